"""The duties of a site's tier under its premises rule set (`sites.premises`) against what the
assessment's answers show: met, lacking, not answered yet, or not asked by the methodology.

A stored result keeps each duty's status as the answers showed it. Whether the site's tier
requires a duty is read again from the rule set whenever a result is shown (its page, its report,
the portfolio), so a corrected rule set corrects every result, those stored before it included:
a 900-person place of worship stored as "enhanced" shows the standard tier's duties.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from vigil.assessments.answers import NA, Answer, answer_value
from vigil.assessments.methodology import Methodology
from vigil.sites.premises import DutyTier


@dataclass(frozen=True)
class DutyStatus:
    duty: str
    tier: str | None  # the lowest tier that carries it: standard or enhanced
    required: bool  # the site's tier carries it
    status: str  # met | lacking | unanswered | not_asked
    question_ids: tuple[str, ...]


def duty_statuses(
    methodology: Methodology,
    answers: Mapping[str, Answer],
    *,
    site_type: str,
    tier: DutyTier,
) -> tuple[DutyStatus, ...]:
    """Each duty of the rule set: whether the site's tier carries it and whether the answers
    show it (every question asking about it answered at least `weak_answer_below`)."""
    asked = [q for s in methodology.applicable_sections(site_type) for q in s.questions]
    weak_below = methodology.scoring.weak_answer_below
    found = []
    for duty, lowest in tier.duty_tiers:
        ids = tuple(q.id for q in asked if q.duty == duty)
        if not ids:
            status = "not_asked"
        elif any(i not in answers for i in ids):
            status = "unanswered"
        elif all(_value(methodology, i, answers[i]) >= weak_below for i in ids):
            status = "met"
        else:
            status = "lacking"
        found.append(DutyStatus(duty, lowest, duty in tier.duties, status, ids))
    return tuple(found)


def _value(methodology: Methodology, question_id: str, answer: Answer) -> float:
    """An answer's value; "na" to a duty counts as lacking (a duty is never not applicable)."""
    if answer == NA:
        return 0.0
    question = methodology.question(question_id)
    return answer_value(methodology.scoring, question, answer).value


def duties_under(stored: Iterable[Mapping[str, Any]], tier: DutyTier) -> list[dict[str, Any]]:
    """A stored result's duties as today's rule set sees them: required by the site's tier or
    not, a duty the result does not hold shown as not asked, and duties no tier carries any more
    (a yearly risk assessment) left out."""
    by_code = {d["duty"]: d for d in stored}
    return [
        {
            "duty": duty,
            "tier": lowest,
            "required": duty in tier.duties,
            "status": by_code.get(duty, {}).get("status", "not_asked"),
            "question_ids": list(by_code.get(duty, {}).get("question_ids", [])),
        }
        for duty, lowest in tier.duty_tiers
    ]


def under_todays_rules(result: dict[str, Any], tier: DutyTier) -> dict[str, Any]:
    """A stored result with the site's tier, its reason and its duties as the rule set of the
    site's country has them today (what the page, the report and the API show)."""
    return result | {
        "tier": tier.tier,
        "duty_tier": asdict(tier),
        "duties": duties_under(result.get("duties", []), tier),
    }


def lacking(duties: Iterable[Mapping[str, Any]]) -> list[str]:
    """The duties a site's tier requires that its answers do not show."""
    return [d["duty"] for d in duties if d["required"] and d["status"] != "met"]
