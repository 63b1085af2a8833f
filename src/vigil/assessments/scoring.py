"""Scoring an assessment: vulnerability, threat, impact, likelihood, risk and measures at once.

Pure functions over a parsed Methodology (no database): the assessment service passes the saved
answers, the site's facts and the threat inputs it gathered, and stores `as_dict()` of the
result so the page, the PDF and later comparisons show exactly what was computed then. Every
number is an `Explanation` (value, formula, inputs) that `explain.evaluate` can recompute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from vigil.assessments.answers import (
    Answer,
    answer_text,
    check_answer,
    validate_answer,
    validate_answers,
)
from vigil.assessments.duties import DutyStatus, duty_statuses
from vigil.assessments.explain import Explanation, evaluate
from vigil.assessments.measures import (
    PrioritisedMeasure,
    Trigger,
    by_timeframe,
    prioritise_measures,
)
from vigil.assessments.methodology import Methodology
from vigil.assessments.risk import (
    RiskInput,
    RiskResult,
    SiteFacts,
    ThreatInputs,
    batch_risk,
    site_risk,
)
from vigil.assessments.scenarios import ScenarioScore, score_scenarios
from vigil.assessments.vulnerability import (
    AnswerScore,
    SectionScore,
    Vulnerability,
    score_vulnerability,
)
from vigil.sites.premises import DutyTier, duty_tier

__all__ = [
    "Answer",
    "AnswerScore",
    "AssessmentScore",
    "DutyStatus",
    "Explanation",
    "PrioritisedMeasure",
    "RiskInput",
    "RiskResult",
    "SectionScore",
    "SiteFacts",
    "ThreatInputs",
    "Trigger",
    "Vulnerability",
    "answer_text",
    "batch_risk",
    "check_answer",
    "evaluate",
    "score_assessment",
    "site_risk",
    "validate_answer",
    "validate_answers",
]


SCENARIO_NUMBERS = (
    "vulnerability",
    "incident_score",
    "incident_level",
    "probability",
    "impact",
    "risk",
)


@dataclass(frozen=True)
class AssessmentScore:
    vulnerability: Vulnerability
    risk: RiskResult  # threat, impact, likelihood, risk and band
    tier: str | None  # duty tier: standard, enhanced or None
    duty_tier: DutyTier  # the tier with why, under the premises rule set of the site's country
    duties: tuple[DutyStatus, ...]
    measures: tuple[PrioritisedMeasure, ...]  # ordered now -> 3_months -> year, by priority
    # The attack scenarios, highest risk first (issue 21); () without scenarios. Results
    # stored before scenarios have no "scenarios" key: readers take it as none.
    scenarios: tuple[ScenarioScore, ...] = ()

    @property
    def measures_by_timeframe(self) -> dict[str, tuple[PrioritisedMeasure, ...]]:
        return by_timeframe(self.measures)

    def explanations(self) -> list[tuple[str, Explanation]]:
        """Every number of the result with a label; what a test recomputes."""
        found: list[tuple[str, Explanation]] = []
        v = self.vulnerability
        if v.overall is not None:
            found.append(("vulnerability", v.overall))
        for section in v.sections:
            if section.vulnerability is not None:
                found.append((f"section.{section.code}", section.vulnerability))
            found.extend((f"answer.{a.question_id}", a.value) for a in section.answers)
        r = self.risk
        found += [
            ("incident_score", r.threat.incident_score),
            ("incident_level", r.threat.incident_level),
            ("threat", r.threat.threat),
            ("impact", r.impact),
            ("likelihood", r.likelihood),
            ("risk", r.risk),
        ]
        for s in self.scenarios:
            found += [
                (f"scenario.{s.scenario_id}.{name}", getattr(s, name)) for name in SCENARIO_NUMBERS
            ]
        for m in self.measures:
            found += [
                (f"measure.{m.measure_id}.vulnerability_reduction", m.vulnerability_reduction),
                (f"measure.{m.measure_id}.risk_reduced", m.risk_reduced),
                (f"measure.{m.measure_id}.priority", m.priority),
            ]
            found += [
                (f"measure.{m.measure_id}.scenario.{e.scenario_id}", e.risk_removed)
                for e in m.scenario_effects
            ]
            if m.scenario_risk_removed is not None and m.scenario_priority is not None:
                found += [
                    (f"measure.{m.measure_id}.scenario_risk_removed", m.scenario_risk_removed),
                    (f"measure.{m.measure_id}.scenario_priority", m.scenario_priority),
                ]
        return found

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (lists for tuples) to store with a completed assessment."""
        data = asdict(self)
        data["band"] = self.risk.band
        return data


def score_assessment(
    methodology: Methodology,
    answers: Mapping[str, object],
    *,
    site: SiteFacts,
    threat: ThreatInputs,
) -> AssessmentScore:
    """Score answers (any spelling `validate_answer` accepts) for a site under a threat."""
    normal = validate_answers(methodology, answers)
    vulnerability = score_vulnerability(methodology, normal, site.site_type)
    overall = vulnerability.overall.value if vulnerability.overall is not None else None
    risk = site_risk(methodology, vulnerability=overall, site=site, threat=threat)
    tier = duty_tier(site_type=site.site_type, capacity=site.capacity, country=site.country)
    impact = int(risk.impact.value)
    scenarios = score_scenarios(methodology, vulnerability, threat=threat, people_level=impact)
    measures = prioritise_measures(
        methodology,
        vulnerability,
        impact=impact,
        required_duties=tier.duties,
        scenarios=scenarios,
    )
    duties = duty_statuses(methodology, normal, site_type=site.site_type, tier=tier)
    return AssessmentScore(vulnerability, risk, tier.tier, tier, duties, measures, scenarios)
