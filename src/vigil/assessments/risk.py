"""Threat, impact, likelihood and risk of one site, with the parameters of its methodology.

risk = likelihood x impact on the 5x5 matrix (DECISIONS 1):
- threat (1..5) = national_weight x declared national level + incident_weight x incident level,
  the incident level stepping up with the incident score (severity weight x distance weight of
  each incident within the radius and the look-back window);
- likelihood (1-5) = threat_weight x threat + vulnerability_weight x (1 + 4 x vulnerability/100),
  rounded half up;
- impact (1-5) = capacity and attendance levels, weighted and rounded, plus the site type's
  adjustment.
Incidents enter the explanation only as counts per severity and distance band (DECISIONS 7).
The portfolio batch scores 100,000 sites per run, so the parameters are compiled once per
methodology into plain values (`compiled`) and nothing is parsed per site.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from vigil.assessments.explain import Explanation, Input, clamp, round_half_up
from vigil.assessments.methodology import Methodology
from vigil.assessments.parameters import SEVERITIES

INCIDENT_SCORE_FORMULA = "dot(counts, severity_weights, distance_weights)"
INCIDENT_LEVEL_FORMULA = "step(incident_score, score_from, levels)"
THREAT_FORMULA = "national_weight * national_level + incident_weight * incident_level"
LIKELIHOOD_FORMULA = (
    "clamp(round_half_up(threat_weight * threat"
    " + vulnerability_weight * (1 + 4 * vulnerability / 100)), 1, 5)"
)
IMPACT_FORMULA = (
    "clamp(round_half_up(capacity_weight * step(capacity, capacity_from, capacity_levels)"
    " + attendance_weight * step(attendance, attendance_from, attendance_levels))"
    " + site_type_adjustment, 1, 5)"
)
IMPACT_UNKNOWN_FORMULA = "clamp(people_level_when_unknown + site_type_adjustment, 1, 5)"
RISK_FORMULA = "likelihood * impact"


class IncidentLike(Protocol):
    @property
    def severity(self) -> str: ...
    @property
    def distance_km(self) -> float: ...
    @property
    def age_days(self) -> float: ...
    @property
    def type(self) -> str: ...


# (severity, distance_km, age_days) or, with the incident's typology code, (..., type).
Incident = IncidentLike | tuple[str, float, float] | tuple[str, float, float, str]


@dataclass(frozen=True)
class SiteFacts:
    site_type: str
    capacity: int | None = None
    typical_attendance: int | None = None
    country: str = ""  # ISO 3166-1 alpha-2: its premises rule set decides the duty tier


@dataclass(frozen=True)
class ThreatInputs:
    national_level: int  # 1 low .. 5 critical, declared by the organisation
    incidents: Sequence[Incident] = ()  # (severity, distance_km, age_days[, type]), any order
    # Or incidents already counted per (severity, distance band index) within the radius and
    # look-back window: what the portfolio batch computes for every site at once. These carry
    # no type, so attack scenarios (which count incidents by type) read `incidents` only.
    cells: Mapping[tuple[str, int], int] | None = None


@dataclass(frozen=True)
class ThreatScore:
    national_level: int
    incidents_counted: int
    incident_score: Explanation
    incident_level: Explanation
    threat: Explanation  # 1..5, not rounded


@dataclass(frozen=True)
class RiskResult:
    """One site's risk; `risk.value` = likelihood x impact, `band` low/medium/high/critical."""

    threat: ThreatScore
    impact: Explanation
    likelihood: Explanation
    risk: Explanation
    band: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "national_level": self.threat.national_level,
            "incidents_counted": self.threat.incidents_counted,
            "incident_score": self.threat.incident_score.as_dict(),
            "incident_level": self.threat.incident_level.as_dict(),
            "threat": self.threat.threat.as_dict(),
            "impact": self.impact.as_dict(),
            "likelihood": self.likelihood.as_dict(),
            "risk": self.risk.as_dict(),
            "band": self.band,
        }


@dataclass(frozen=True)
class _Compiled:
    """A methodology's risk parameters as plain values, built once (the batch's hot path)."""

    radius_km: float
    lookback_days: int
    severity_weight: dict[str, float]
    distance_maxima: list[float]
    distance_weights: list[float]
    distance_labels: list[str]
    incident_from: list[float]
    incident_levels: list[int]
    national_weight: float
    incident_weight: float
    capacity_from: list[float]
    capacity_levels: list[int]
    attendance_from: list[float]
    attendance_levels: list[int]
    capacity_weight: float
    attendance_weight: float
    people_level_when_unknown: int
    site_type_adjustment: dict[str, int]
    threat_weight: float
    vulnerability_weight: float
    vulnerability_when_unknown: float
    risk_up_to: list[int]
    risk_bands: list[str]


# id(methodology) -> (the methodology, its compiled form); parsed methodologies are few and
# cached by their callers, so this stays small.
_COMPILED: dict[int, tuple[Methodology, _Compiled]] = {}


def compiled(methodology: Methodology) -> _Compiled:
    found = _COMPILED.get(id(methodology))
    if found is not None and found[0] is methodology:
        return found[1]
    scoring = methodology.scoring
    threat, impact, likelihood = scoring.threat, scoring.impact, scoring.likelihood
    c = _Compiled(
        radius_km=threat.radius_km,
        lookback_days=threat.lookback_days,
        severity_weight=threat.severity_weights.model_dump(),
        distance_maxima=[b.up_to_km for b in threat.distance_bands],
        distance_weights=[b.weight for b in threat.distance_bands],
        distance_labels=[f"up to {b.up_to_km:g} km" for b in threat.distance_bands],
        incident_from=[s.from_ for s in threat.incident_levels],
        incident_levels=[s.level for s in threat.incident_levels],
        national_weight=threat.national_weight,
        incident_weight=threat.incident_weight,
        capacity_from=[s.from_ for s in impact.capacity_levels],
        capacity_levels=[s.level for s in impact.capacity_levels],
        attendance_from=[s.from_ for s in impact.attendance_levels],
        attendance_levels=[s.level for s in impact.attendance_levels],
        capacity_weight=impact.capacity_weight,
        attendance_weight=impact.attendance_weight,
        people_level_when_unknown=impact.people_level_when_unknown,
        site_type_adjustment={str(k): v for k, v in impact.site_type_adjustment.items()},
        threat_weight=likelihood.threat_weight,
        vulnerability_weight=likelihood.vulnerability_weight,
        vulnerability_when_unknown=likelihood.vulnerability_when_unknown,
        risk_up_to=[b.up_to for b in scoring.risk_bands],
        risk_bands=[b.band for b in scoring.risk_bands],
    )
    if len(_COMPILED) > 256:
        _COMPILED.clear()
    _COMPILED[id(methodology)] = (methodology, c)
    return c


def _parts(incident: Incident) -> tuple[str, float, float, str]:
    if isinstance(incident, tuple):
        if len(incident) == 3:
            return (*incident, "")
        return incident
    return incident.severity, incident.distance_km, incident.age_days, incident.type


def _step(x: float, starts: list[float], levels: list[int]) -> int:
    return levels[max(bisect.bisect_right(starts, x) - 1, 0)]


def threat_score(methodology: Methodology, threat: ThreatInputs) -> ThreatScore:
    """Threat from the declared national level and the incidents near the site."""
    return _threat(compiled(methodology), threat)


def _threat(c: _Compiled, threat: ThreatInputs) -> ThreatScore:
    if not 1 <= threat.national_level <= 5:
        raise ValueError("the national threat level must be 1..5")
    counted, incident_score = _incident_score(c, threat, None)
    level = _step(incident_score.value, c.incident_from, c.incident_levels)
    incident_level = Explanation(
        level,
        INCIDENT_LEVEL_FORMULA,
        {
            "incident_score": incident_score.value,
            "score_from": c.incident_from,
            "levels": c.incident_levels,
        },
    )
    value = c.national_weight * threat.national_level + c.incident_weight * level
    combined = Explanation(
        value,
        THREAT_FORMULA,
        {
            "national_weight": c.national_weight,
            "national_level": threat.national_level,
            "incident_weight": c.incident_weight,
            "incident_level": level,
        },
    )
    return ThreatScore(threat.national_level, counted, incident_score, incident_level, combined)


def typed_incident_score(
    methodology: Methodology, threat: ThreatInputs, types: Iterable[str]
) -> tuple[int, Explanation]:
    """How many incidents of these types are near the site, and their score, weighted by
    severity and distance as the site's threat weighs all incidents (`incidents` only)."""
    return _incident_score(compiled(methodology), threat, frozenset(types))


def _incident_score(
    c: _Compiled, threat: ThreatInputs, types: frozenset[str] | None
) -> tuple[int, Explanation]:
    """Incidents counted by (severity, distance band) and scored; `types` None counts all."""
    cells: dict[tuple[str, int], int] = {}
    radius, lookback, weights = c.radius_km, c.lookback_days, c.severity_weight
    for (severity, band), count in (threat.cells or {}).items() if types is None else ():
        key = (severity if severity in weights else "unknown", band)
        cells[key] = cells.get(key, 0) + count
    for incident in threat.incidents:
        severity, distance, age, kind = _parts(incident)
        if distance > radius or age > lookback or distance < 0:
            continue
        if types is not None and kind not in types:
            continue
        if severity not in weights:
            severity = "unknown"
        key = (severity, bisect.bisect_left(c.distance_maxima, distance))
        cells[key] = cells.get(key, 0) + 1
    order = sorted(cells, key=lambda k: (SEVERITIES.index(k[0]), k[1]))
    counts = [cells[k] for k in order]
    sev_w = [weights[s] for s, _ in order]
    dist_w = [c.distance_weights[b] for _, b in order]
    score = 0.0
    for n, sw, dw in zip(counts, sev_w, dist_w, strict=True):
        score += n * sw * dw
    inputs: dict[str, Input] = {
        "cells": [f"{s}, {c.distance_labels[b]}" for s, b in order],
        "counts": counts,
        "severity_weights": sev_w,
        "distance_weights": dist_w,
        "radius_km": radius,
        "lookback_days": lookback,
    }
    if types is not None:
        inputs["incident_types"] = sorted(types)
    return sum(counts), Explanation(score, INCIDENT_SCORE_FORMULA, inputs)


def impact_score(methodology: Methodology, site: SiteFacts) -> Explanation:
    """Impact 1-5 from capacity, typical attendance and site type."""
    return _impact(compiled(methodology), site)


def _impact(c: _Compiled, site: SiteFacts) -> Explanation:
    adjustment = c.site_type_adjustment.get(site.site_type, 0)
    capacity, attendance = site.capacity, site.typical_attendance
    if capacity is None and attendance is None:
        level = int(clamp(c.people_level_when_unknown + adjustment, 1, 5))
        inputs: dict[str, Input] = {
            "people_level_when_unknown": c.people_level_when_unknown,
            "site_type": site.site_type,
            "site_type_adjustment": adjustment,
        }
        note = "capacity and attendance unknown"
        return Explanation(level, IMPACT_UNKNOWN_FORMULA, inputs, note)
    note = ""
    if capacity is None:
        capacity, note = attendance, "capacity unknown: typical attendance used for it"
    if attendance is None:
        attendance, note = capacity, "typical attendance unknown: capacity used for it"
    assert capacity is not None and attendance is not None
    people = c.capacity_weight * _step(
        capacity, c.capacity_from, c.capacity_levels
    ) + c.attendance_weight * _step(attendance, c.attendance_from, c.attendance_levels)
    level = int(clamp(round_half_up(people) + adjustment, 1, 5))
    inputs = {
        "capacity": capacity,
        "capacity_from": c.capacity_from,
        "capacity_levels": c.capacity_levels,
        "capacity_weight": c.capacity_weight,
        "attendance": attendance,
        "attendance_from": c.attendance_from,
        "attendance_levels": c.attendance_levels,
        "attendance_weight": c.attendance_weight,
        "site_type": site.site_type,
        "site_type_adjustment": adjustment,
    }
    return Explanation(level, IMPACT_FORMULA, inputs, note)


def likelihood_score(
    methodology: Methodology, threat: float, vulnerability: float | None
) -> Explanation:
    return _likelihood(compiled(methodology), threat, vulnerability)


def _likelihood(c: _Compiled, threat: float, vulnerability: float | None) -> Explanation:
    note = ""
    if vulnerability is None:
        vulnerability = c.vulnerability_when_unknown
        note = "no answers yet: the methodology's vulnerability_when_unknown is used"
    raw = c.threat_weight * threat + c.vulnerability_weight * (1 + 4 * vulnerability / 100)
    inputs: dict[str, Input] = {
        "threat_weight": c.threat_weight,
        "threat": threat,
        "vulnerability_weight": c.vulnerability_weight,
        "vulnerability": vulnerability,
    }
    return Explanation(int(clamp(round_half_up(raw), 1, 5)), LIKELIHOOD_FORMULA, inputs, note)


def risk_band(methodology: Methodology, risk: int) -> str:
    c = compiled(methodology)
    return c.risk_bands[bisect.bisect_left(c.risk_up_to, risk)]


def site_risk(
    methodology: Methodology,
    *,
    vulnerability: float | None,
    site: SiteFacts,
    threat: ThreatInputs,
) -> RiskResult:
    """A site's risk from its overall vulnerability (None: not assessed) and today's threat."""
    return _site_risk(compiled(methodology), vulnerability, site, threat)


def _site_risk(
    c: _Compiled, vulnerability: float | None, site: SiteFacts, threat: ThreatInputs
) -> RiskResult:
    threat_result = _threat(c, threat)
    impact = _impact(c, site)
    likelihood = _likelihood(c, threat_result.threat.value, vulnerability)
    risk_value = int(likelihood.value * impact.value)
    risk = Explanation(
        risk_value,
        RISK_FORMULA,
        {
            "likelihood": likelihood.value,
            "impact": impact.value,
            "bands_up_to": c.risk_up_to,
            "bands": c.risk_bands,
        },
    )
    band = c.risk_bands[bisect.bisect_left(c.risk_up_to, risk_value)]
    return RiskResult(threat_result, impact, likelihood, risk, band)


@dataclass(frozen=True)
class RiskInput:
    vulnerability: float | None
    site: SiteFacts
    threat: ThreatInputs


def batch_risk(methodology: Methodology, items: Iterable[RiskInput]) -> list[RiskResult]:
    """`site_risk` for many sites of one methodology (the portfolio's nightly recompute)."""
    c = compiled(methodology)
    return [_site_risk(c, i.vulnerability, i.site, i.threat) for i in items]
