"""Attack scenarios scored on top of the questionnaire: each one's probability x impact.

One vulnerability index averages every weakness, so strong vehicle barriers could hide a weak
lockdown (issue 21). Each scenario of the methodology (scenario_data.py) is scored on its own,
with the weights of `scoring.scenarios` (DECISIONS 1: none in code):
- vulnerability (0-100) = 100 x (1 - dot(weights, values) / sum(weights)) over the answered
  questions that bear on the scenario (question weights; the methodology's
  `vulnerability_when_unknown` when none is answered);
- incident level (1-5) = the steps of `scoring.scenarios.incident_levels` over the score of the
  nearby incidents of the scenario's types, weighted by severity and distance exactly as the
  site's threat weighs all incidents (risk.py; only counts per band leave it, DECISIONS 7);
- probability (1-5) = means_weight x means + national_weight x national level
  + incident_weight x incident level + ease_weight x (1 + 4 x vulnerability / 100), rounded half
  up: how readily the means are had, how tense the country and the neighbourhood are, and how
  little the answers stand in the way;
- impact (1-5) = lives_weight x min(lives, people level) + building_weight x building
  + money_weight x money + community_weight x community, rounded half up; the people level is the
  site's impact from capacity, attendance and type (risk.py), which caps how many lives a
  scenario can reach;
- risk = probability x impact (1-25), banded like the site's risk.
A measure the scenario names removes scenario risk through its weak answers among the scenario's
questions: impact x ease_weight x 4 x effect x dot(question shares, gaps), the drop of
probability x impact before rounding (measures.py ranks by it per cost).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from vigil.assessments.explain import Explanation, Input, clamp, dot, round_half_up
from vigil.assessments.methodology import Methodology
from vigil.assessments.parameters import english
from vigil.assessments.risk import ThreatInputs, compiled, typed_incident_score
from vigil.assessments.vulnerability import SECTION_FORMULA, Vulnerability

UNKNOWN_FORMULA = "vulnerability_when_unknown"
LEVEL_FORMULA = "step(incident_score, score_from, levels)"
PROBABILITY_FORMULA = (
    "clamp(round_half_up(means_weight * means + national_weight * national_level"
    " + incident_weight * incident_level + ease_weight * (1 + 4 * vulnerability / 100)), 1, 5)"
)
IMPACT_FORMULA = (
    "clamp(round_half_up(lives_weight * min(lives, people_level) + building_weight * building"
    " + money_weight * money + community_weight * community), 1, 5)"
)
RISK_FORMULA = "probability * impact"
REMOVED_FORMULA = "impact * ease_weight * 4 * effect * dot(question_shares, gaps)"
TOTAL_REMOVED_FORMULA = "sum(removed)"
WEAKEST_SHOWN = 3


@dataclass(frozen=True)
class ScenarioScore:
    scenario_id: str
    title: str  # English, as stored results carry it; pages look the words up again
    means: int
    vulnerability: Explanation  # 0..100 over the scenario's answered questions
    incidents_counted: int
    incident_score: Explanation
    incident_level: Explanation
    probability: Explanation  # 1..5
    impact: Explanation  # 1..5
    risk: Explanation  # 1..25
    band: str
    # Why it is weak: its weakest answers (question ids, most weight x gap first).
    weakest: tuple[str, ...]
    answered: int  # of `questions` applicable to the site
    questions: int


@dataclass(frozen=True)
class ScenarioEffect:
    """The risk of one scenario that a measure removes."""

    scenario_id: str
    risk_removed: Explanation


def score_scenarios(
    methodology: Methodology,
    vulnerability: Vulnerability,
    *,
    threat: ThreatInputs,
    people_level: int,
) -> tuple[ScenarioScore, ...]:
    """Every scenario's risk, highest first; () for a methodology without scenarios."""
    params = methodology.scoring.scenarios
    if params is None or not methodology.scenarios:
        return ()
    c = compiled(methodology)
    weights = params.impact_weights
    found = []
    for scenario in methodology.scenarios:
        scored = [a for q in scenario.questions if (a := vulnerability.answer(q)) is not None]
        applicable = [q for q in scenario.questions if _applies(vulnerability, q)]
        weak_below = methodology.scoring.weak_answer_below
        if scored:
            q_weights = [a.weight for a in scored]
            values = [a.value.value for a in scored]
            inputs: dict[str, Input] = {
                "question_ids": [a.question_id for a in scored],
                "weights": q_weights,
                "values": values,
            }
            vuln = Explanation(
                100 * (1 - dot(q_weights, values) / sum(q_weights)), SECTION_FORMULA, inputs
            )
        else:
            unknown = c.vulnerability_when_unknown
            note = "no answer bears on it yet: the methodology's vulnerability_when_unknown"
            vuln = Explanation(unknown, UNKNOWN_FORMULA, {UNKNOWN_FORMULA: unknown}, note)
        counted, incident_score = typed_incident_score(methodology, threat, scenario.incident_types)
        starts = [s.from_ for s in params.incident_levels]
        levels = [s.level for s in params.incident_levels]
        level = levels[max(bisect.bisect_right(starts, incident_score.value) - 1, 0)]
        incident_level = Explanation(
            level,
            LEVEL_FORMULA,
            {"incident_score": incident_score.value, "score_from": starts, "levels": levels},
        )
        p_inputs: dict[str, Input] = {
            "means_weight": params.means_weight,
            "means": scenario.means,
            "national_weight": params.national_weight,
            "national_level": threat.national_level,
            "incident_weight": params.incident_weight,
            "incident_level": level,
            "ease_weight": params.ease_weight,
            "vulnerability": vuln.value,
        }
        raw = (
            params.means_weight * scenario.means
            + params.national_weight * threat.national_level
            + params.incident_weight * level
            + params.ease_weight * (1 + 4 * vuln.value / 100)
        )
        probability = Explanation(
            int(clamp(round_half_up(raw), 1, 5)), PROBABILITY_FORMULA, p_inputs
        )
        hit = scenario.impact
        i_inputs: dict[str, Input] = {
            "lives_weight": weights.lives,
            "lives": hit.lives,
            "people_level": people_level,
            "building_weight": weights.building,
            "building": hit.building,
            "money_weight": weights.money,
            "money": hit.money,
            "community_weight": weights.community,
            "community": hit.community,
        }
        raw = (
            weights.lives * min(hit.lives, people_level)
            + weights.building * hit.building
            + weights.money * hit.money
            + weights.community * hit.community
        )
        impact = Explanation(int(clamp(round_half_up(raw), 1, 5)), IMPACT_FORMULA, i_inputs)
        value = int(probability.value * impact.value)
        risk = Explanation(
            value,
            RISK_FORMULA,
            {
                "probability": probability.value,
                "impact": impact.value,
                "bands_up_to": c.risk_up_to,
                "bands": c.risk_bands,
            },
        )
        weak = sorted(
            (a for a in scored if a.value.value < weak_below),
            key=lambda a: (-a.weight * (1 - a.value.value), a.question_id),
        )
        found.append(
            ScenarioScore(
                scenario.id,
                english(scenario.title),
                scenario.means,
                vuln,
                counted,
                incident_score,
                incident_level,
                probability,
                impact,
                risk,
                c.risk_bands[bisect.bisect_left(c.risk_up_to, value)],
                tuple(a.question_id for a in weak[:WEAKEST_SHOWN]),
                len(scored),
                len(applicable),
            )
        )
    found.sort(
        key=lambda s: (-s.risk.value, -s.probability.value, -s.vulnerability.value, s.scenario_id)
    )
    return tuple(found)


def _applies(vulnerability: Vulnerability, question_id: str) -> bool:
    """Whether the site answers the question (asked of its type: scored, n/a or open)."""
    return any(
        question_id in s.not_applicable
        or question_id in s.unanswered
        or any(a.question_id == question_id for a in s.answers)
        for s in vulnerability.sections
    )


def scenario_effects(
    methodology: Methodology,
    scenarios: Sequence[ScenarioScore],
    measure_id: str,
    triggers: Sequence[tuple[str, float]],
) -> tuple[tuple[ScenarioEffect, ...], Explanation | None]:
    """The scenario risk a measure removes, per scenario naming it and in total; (), None
    for a methodology without scenarios. `triggers`: (question id, answer value) pairs."""
    params = methodology.scoring.scenarios
    if params is None or not scenarios:
        return (), None
    effect = methodology.measure(measure_id).effect
    named = {s.id for s in methodology.scenarios if measure_id in s.measures}
    effects = []
    for score in scenarios:
        if score.scenario_id not in named or "question_ids" not in score.vulnerability.inputs:
            continue
        ids = score.vulnerability.inputs["question_ids"]
        weights = score.vulnerability.inputs["weights"]
        assert isinstance(ids, list) and isinstance(weights, list)  # noqa: S101 - built above
        total = sum(weights)
        rows = [(qid, weights[ids.index(qid)] / total, 1 - v) for qid, v in triggers if qid in ids]
        if not rows:
            continue
        shares, gaps = [r[1] for r in rows], [r[2] for r in rows]
        removed = score.impact.value * params.ease_weight * 4 * effect * dot(shares, gaps)
        inputs: dict[str, Input] = {
            "impact": score.impact.value,
            "ease_weight": params.ease_weight,
            "effect": effect,
            "question_ids": [r[0] for r in rows],
            "question_shares": shares,
            "gaps": gaps,
        }
        effects.append(
            ScenarioEffect(score.scenario_id, Explanation(removed, REMOVED_FORMULA, inputs))
        )
    removed_values = [e.risk_removed.value for e in effects]
    total_x = Explanation(
        sum(removed_values),
        TOTAL_REMOVED_FORMULA,
        {"scenario_ids": [e.scenario_id for e in effects], "removed": removed_values},
    )
    return tuple(effects), total_x
