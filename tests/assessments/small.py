"""A two-section methodology small enough to check its scores by hand."""

from __future__ import annotations

from vigil.assessments.methodology import Methodology, parse_methodology

SMALL = """\
code: small
version: 1
title: Small test methodology
applies_to: [place_of_worship, school, community_centre]
scoring:
  answer_values: {"yes": 1.0, "partly": 0.5, "no": 0.0}
  maturity_values: {0: 0.0, 1: 0.25, 2: 0.5, 3: 0.75, 4: 1.0}
  weak_answer_below: 0.75
  number_scales:
    police_minutes:
      unit: minutes
      max: 240
      bands:
        - {max: 10, value: 1.0}
        - {max: 20, value: 0.5}
        - {max: null, value: 0.0}
  threat:
    radius_km: 5
    lookback_days: 365
    severity_weights: {extreme: 8, severe: 4, moderate: 2, minor: 1, unknown: 1}
    distance_bands:
      - {up_to_km: 0.5, weight: 1.0}
      - {up_to_km: 1, weight: 0.7}
      - {up_to_km: 2, weight: 0.4}
      - {up_to_km: 5, weight: 0.15}
    incident_levels:
      - {from: 0, level: 1}
      - {from: 1, level: 2}
      - {from: 4, level: 3}
      - {from: 10, level: 4}
      - {from: 20, level: 5}
    national_weight: 0.5
    incident_weight: 0.5
  likelihood:
    threat_weight: 0.5
    vulnerability_weight: 0.5
    vulnerability_when_unknown: 60
  impact:
    capacity_levels:
      - {from: 0, level: 1}
      - {from: 50, level: 2}
      - {from: 200, level: 3}
      - {from: 800, level: 4}
      - {from: 3000, level: 5}
    attendance_levels:
      - {from: 0, level: 1}
      - {from: 30, level: 2}
      - {from: 150, level: 3}
      - {from: 500, level: 4}
      - {from: 2000, level: 5}
    capacity_weight: 0.4
    attendance_weight: 0.6
    people_level_when_unknown: 3
    site_type_adjustment: {school: 1}
  risk_bands:
    - {up_to: 4, band: low}
    - {up_to: 9, band: medium}
    - {up_to: 16, band: high}
    - {up_to: 25, band: critical}
  cost_weights: {low: 1, medium: 2, high: 4}
  timeframes:
    - {code: now, min_priority: 0.5}
    - {code: 3_months, min_priority: 0.1}
    - {code: year, min_priority: 0}
  duty_timeframe: now
sections:
  - code: governance
    title: Governance
    weight: 2
    questions:
      - id: g1
        text: Is there a security plan?
        kind: yes_no
        weight: 3
        duty: measures_document
        measures: [m.plan]
      - id: g2
        text: How well are roles shared?
        kind: maturity
        weight: 1
        measures: [m.roles]
  - code: perimeter
    title: Perimeter
    weight: 1
    questions:
      - id: p1
        text: Are there vehicle barriers?
        kind: yes_no
        weight: 1
        measures: [m.barriers]
      - id: p2
        text: Minutes for police to arrive?
        kind: number
        scale: police_minutes
        weight: 1
        measures: [m.police]
      - id: p3
        text: Are children handed over only to listed adults?
        kind: yes_no
        weight: 1
        applies_to: [school]
        measures: [m.barriers]
measures:
  - {id: m.plan, section: governance, cost: low, effort: low, effect: 0.8, text: Write a plan.}
  - {id: m.roles, section: governance, cost: medium, effort: low, effect: 0.5, text: Share roles.}
  - {id: m.barriers, section: perimeter, cost: high, effort: high, effect: 1.0, text: Barriers.}
  - {id: m.police, section: perimeter, cost: low, effort: medium, effect: 0.6, text: Agree.}
"""


# Two attack scenarios on top of SMALL, with their weights, placed before `sections:`.
SCENARIOS = """\
  scenarios:
    means_weight: 0.2
    national_weight: 0.2
    incident_weight: 0.2
    ease_weight: 0.4
    incident_levels:
      - {from: 0, level: 1}
      - {from: 1, level: 2}
      - {from: 4, level: 3}
      - {from: 10, level: 4}
      - {from: 20, level: 5}
    impact_weights: {lives: 0.5, building: 0.2, money: 0.1, community: 0.2}
scenarios:
  - id: vehicle_ramming
    title: Vehicle ramming
    means: 4
    impact: {lives: 5, building: 2, money: 2, community: 4}
    incident_types: [extreme_violence]
    questions: [p1, p3, g2]
    measures: [m.barriers, m.roles]
  - id: hoax_bomb_threats
    title: Hoaxes and bomb threats
    means: 5
    impact: {lives: 1, building: 1, money: 2, community: 3}
    incident_types: [threat, suspicious_item]
    questions: [g1, p2]
    measures: [m.plan]
"""
SMALL_SCENARIOS = SMALL.replace("sections:\n", SCENARIOS + "sections:\n", 1)


def small() -> Methodology:
    return parse_methodology(SMALL, file="small.yaml")


def small_with_scenarios() -> Methodology:
    return parse_methodology(SMALL_SCENARIOS, file="small.yaml")


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing `fragment`."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return found[occurrence - 1]
