"""Prioritised measures: what a site's weak answers call for, ranked and put in a timeframe.

A weak answer (value below the methodology's `weak_answer_below`) triggers the question's
measures; a question that grades them (`steps`, issue 21) calls instead for the next step from
its answer's level, at every level below the top, so "in place" still leads on to "practised".
A measure is ranked by the risk it removes per cost class:
- vulnerability reduction (points) = 100 x effect x sum over its weak answers of
  section share x question share x (1 - answer value), the shares being each answer's weight in
  the overall vulnerability;
- risk reduced = impact x vulnerability_weight x 4 x reduction / 100, the drop of
  likelihood x impact before rounding;
- priority = risk reduced / cost weight of the measure's cost class.
It goes to "now", "within 3 months" or "within a year" by the methodology's cut-offs on
priority, except that a measure fixing a duty the site's tier carries (under the premises rule
set of its country, `sites.premises`) goes to `duty_timeframe`.
With attack scenarios (issue 21, scenarios.py) a measure also carries the scenario risk it
removes: for each scenario naming it, impact x ease_weight x 4 x effect x sum over its weak
answers among the scenario's questions of question share x (1 - answer value), the drop of that
scenario's probability x impact before rounding; summed over the scenarios. Within each
timeframe the plan ranks measures by
- scenario priority = scenario risk removed / cost weight,
highest first, then by priority (all scenario priorities are absent without scenarios).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from vigil.assessments.answers import Answer
from vigil.assessments.explain import Explanation, dot
from vigil.assessments.methodology import LEVELS, Methodology, Question
from vigil.assessments.parameters import COSTS, TIMEFRAMES, english
from vigil.assessments.scenarios import ScenarioEffect, ScenarioScore, scenario_effects
from vigil.assessments.vulnerability import Vulnerability

REDUCTION_FORMULA = "100 * effect * dot(section_shares, question_shares, gaps)"
RISK_REDUCED_FORMULA = "impact * vulnerability_weight * 4 * vulnerability_reduction / 100"
PRIORITY_FORMULA = "risk_reduced / cost_weight"
SCENARIO_PRIORITY_FORMULA = "scenario_risk_removed / cost_weight"


@dataclass(frozen=True)
class Trigger:
    question_id: str
    answer: Answer
    value: float
    duty: str | None


@dataclass(frozen=True)
class PrioritisedMeasure:
    measure_id: str
    text: str
    section: str
    cost: str
    effort: str
    effect: float
    triggers: tuple[Trigger, ...]
    vulnerability_reduction: Explanation
    risk_reduced: Explanation
    priority: Explanation
    timeframe: str  # now | 3_months | year
    # Why that timeframe: {"rule": "duty", "duties": [...]} or
    # {"rule": "priority", "priority": p, "min_priority": cut-off of the timeframe}
    timeframe_reason: Mapping[str, object]
    # The scenario risk it removes, per scenario naming it and in total, and that total per
    # cost: what ranks it within its timeframe (None for a methodology without scenarios).
    scenario_effects: tuple[ScenarioEffect, ...] = ()
    scenario_risk_removed: Explanation | None = None
    scenario_priority: Explanation | None = None


def prioritise_measures(
    methodology: Methodology,
    vulnerability: Vulnerability,
    *,
    impact: int,
    required_duties: Collection[str],
    scenarios: Sequence[ScenarioScore] = (),
) -> tuple[PrioritisedMeasure, ...]:
    """Measures triggered by weak answers, ordered now -> 3 months -> year, then by scenario
    priority and priority; `required_duties` are those the site's tier carries."""
    scoring = methodology.scoring
    section_share = vulnerability.section_shares()
    triggered: dict[str, list[tuple[Trigger, float, float]]] = {}
    for section in vulnerability.sections:
        if section.vulnerability is None:
            continue
        total = sum(a.weight for a in section.answers)
        for scored in section.answers:
            value = scored.value.value
            question = methodology.question(scored.question_id)
            # A graded question has a next step from every level below the top; an ungraded
            # one calls for its measures only when the answer is weak.
            if not question.steps and value >= scoring.weak_answer_below:
                continue
            trigger = Trigger(question.id, scored.answer, value, question.duty)
            for measure_id in question.measures_for(scored.answer):
                triggered.setdefault(measure_id, []).append(
                    (trigger, section_share[section.code], scored.weight / total)
                )
    found = [
        _with_scenarios(
            _prioritise(methodology, measure_id, rows, impact=impact, required=required_duties),
            methodology,
            scenarios,
        )
        for measure_id, rows in triggered.items()
    ]
    found.sort(
        key=lambda m: (
            TIMEFRAMES.index(m.timeframe),
            -(m.scenario_priority.value if m.scenario_priority is not None else 0),
            -m.priority.value,
            COSTS.index(m.cost),
            COSTS.index(m.effort),
            m.measure_id,
        )
    )
    return tuple(found)


def _with_scenarios(
    measure: PrioritisedMeasure, methodology: Methodology, scenarios: Sequence[ScenarioScore]
) -> PrioritisedMeasure:
    """The measure with the scenario risk it removes and that per cost."""
    triggers = [(t.question_id, t.value) for t in measure.triggers]
    effects, removed = scenario_effects(methodology, scenarios, measure.measure_id, triggers)
    if removed is None:
        return measure
    cost_weight = getattr(methodology.scoring.cost_weights, measure.cost)
    priority = Explanation(
        removed.value / cost_weight,
        SCENARIO_PRIORITY_FORMULA,
        {"scenario_risk_removed": removed.value, "cost": measure.cost, "cost_weight": cost_weight},
    )
    return replace(
        measure, scenario_effects=effects, scenario_risk_removed=removed, scenario_priority=priority
    )


def _prioritise(
    methodology: Methodology,
    measure_id: str,
    rows: list[tuple[Trigger, float, float]],
    *,
    impact: int,
    required: Collection[str],
) -> PrioritisedMeasure:
    scoring = methodology.scoring
    measure = methodology.measure(measure_id)
    section_shares = [r[1] for r in rows]
    question_shares = [r[2] for r in rows]
    gaps = [1 - r[0].value for r in rows]
    reduction = 100 * measure.effect * dot(section_shares, question_shares, gaps)
    reduction_x = Explanation(
        reduction,
        REDUCTION_FORMULA,
        {
            "effect": measure.effect,
            "question_ids": [r[0].question_id for r in rows],
            "section_shares": section_shares,
            "question_shares": question_shares,
            "gaps": gaps,
        },
    )
    weight = scoring.likelihood.vulnerability_weight
    reduced = impact * weight * 4 * reduction / 100
    reduced_x = Explanation(
        reduced,
        RISK_REDUCED_FORMULA,
        {"impact": impact, "vulnerability_weight": weight, "vulnerability_reduction": reduction},
    )
    cost_weight = getattr(scoring.cost_weights, measure.cost)
    priority = reduced / cost_weight
    priority_x = Explanation(
        priority,
        PRIORITY_FORMULA,
        {"risk_reduced": reduced, "cost": measure.cost, "cost_weight": cost_weight},
    )
    duties = sorted({r[0].duty for r in rows if r[0].duty is not None and r[0].duty in required})
    reason: dict[str, object]
    if duties:
        timeframe = scoring.duty_timeframe
        reason = {"rule": "duty", "duties": duties}
    else:
        chosen = next(t for t in scoring.timeframes if priority >= t.min_priority)
        timeframe = chosen.code
        reason = {"rule": "priority", "priority": priority, "min_priority": chosen.min_priority}
    return PrioritisedMeasure(
        measure.id,
        english(measure.text),
        measure.section,
        measure.cost,
        measure.effort,
        measure.effect,
        tuple(r[0] for r in rows),
        reduction_x,
        reduced_x,
        priority_x,
        timeframe,
        reason,
    )


def next_level(question: Question, answer: object) -> str | int | None:
    """The level a graded question's step from `answer` climbs to (the plan says "from partly to
    yes", "from 3 to 4"); None when the question does not grade its measures or the answer is
    at the top or not applicable."""
    levels = LEVELS[question.kind]
    if not question.steps or answer not in levels[:-1]:
        return None
    return levels[levels.index(answer) + 1]


def by_timeframe(
    measures: tuple[PrioritisedMeasure, ...],
) -> dict[str, tuple[PrioritisedMeasure, ...]]:
    """Measures grouped now / 3_months / year, each group in priority order."""
    return {t: tuple(m for m in measures if m.timeframe == t) for t in TIMEFRAMES}
