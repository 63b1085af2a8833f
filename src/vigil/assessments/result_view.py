"""What the assessment pages and the report show of an assessment: its loaded parts, each
section's progress, and a result (stored or previewed) with its two charts and its measures
grouped now / 3 months / a year, led by its weakest attack scenarios, so the page and the PDF
render from one context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Request
from markupsafe import Markup
from sqlalchemy.orm import Session

from vigil.assessments import carry, charts, funding, service
from vigil.assessments.duties import under_todays_rules
from vigil.assessments.measures import next_level
from vigil.assessments.methodology import Methodology, Question, Section
from vigil.assessments.models import (
    Assessment,
    AssessmentAnswer,
    MethodologyStatus,
    MethodologyVersion,
)
from vigil.assessments.parameters import TIMEFRAMES
from vigil.core.localisation import locale_of
from vigil.core.localised import Shown, pick
from vigil.core.pages import tr
from vigil.core.policy import Principal, Role
from vigil.orgs import cost_bands
from vigil.sites import directory as sites_directory
from vigil.sites import service as sites_service

if TYPE_CHECKING:
    from vigil.sites.models import Site


@dataclass(frozen=True)
class Loaded:
    """An assessment the principal may read, with its methodology, site and answers."""

    assessment: Assessment
    version: MethodologyVersion
    methodology: Methodology
    site: Site
    sections: list[Section]  # applicable to the site's type, with only applicable questions
    answers: dict[str, AssessmentAnswer]
    # Whether the principal may read the site itself: pages name and link it only then.
    site_shown: bool

    @property
    def done(self) -> bool:
        return self.assessment.status in service.DONE_STATUSES

    def editable_by(self, principal: Principal) -> bool:
        return (
            not self.done
            and self.version.status == MethodologyStatus.published.value
            and principal.has_role(self.assessment.owner_org_id, Role.reporter)
        )

    def section(self, code: str) -> Section | None:
        return next((s for s in self.sections if s.code == code), None)


def load(session: Session, principal: Principal, assessment_id: int) -> Loaded:
    assessment = service.get_assessment(
        session=session, principal=principal, assessment_id=assessment_id
    )
    version, methodology = service.methodology_of(session, assessment)
    site = sites_directory.find_site(session=session, site_id=assessment.site_id)
    assert site is not None  # noqa: S101 - a foreign key keeps it
    return Loaded(
        assessment=assessment,
        version=version,
        methodology=methodology,
        site=site,
        sections=methodology.applicable_sections(site.type),
        answers=service.answers_of(session, assessment.id),
        site_shown=bool(
            sites_service.readable_site_ids(
                session=session, principal=principal, site_ids=[site.id]
            )
        ),
    )


def progress(loaded: Loaded) -> list[dict[str, Any]]:
    """Each section with how many of its questions have an answer."""
    found = []
    for s in loaded.sections:
        answered = sum(1 for q in s.questions if q.id in loaded.answers)
        found.append(
            {"code": s.code, "title": s.title, "answered": answered, "total": len(s.questions)}
        )
    return found


def marks_of(session: Session, loaded: Loaded) -> carry.Marks:
    """The marks (new / changed / carried) of the assessment's applicable questions."""
    applicable = [q.id for s in loaded.sections for q in s.questions]
    return carry.marks_of(
        session, loaded.assessment, loaded.methodology, loaded.answers, applicable
    )


def questions_of(methodology: Methodology) -> dict[str, Question]:
    return {q.id: q for q in methodology.questions()}


def result_view(
    request: Request, session: Session, loaded: Loaded, result: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The result as shown: the stored one once completed, else a preview with today's threat."""
    if result is None:
        result = service.result_of(loaded.assessment)
    if result is None:
        result = service.score_now(session, loaded.assessment).as_dict()
    locale = locale_of(request)
    result = localised_result(result, loaded.methodology, locale)
    money_bands = cost_bands.bands_of(session, loaded.assessment.owner_org_id)
    # The tier and its duties as the rule set of the site's country has them today.
    tier = sites_service.site_duty_tier(loaded.site)
    result = under_todays_rules(result, tier)
    risk = result["risk"]
    sections = result["vulnerability"]["sections"]
    radar = charts.radar_svg(
        [
            (str(s["title"]), s["vulnerability"]["value"] if s["vulnerability"] else None)
            for s in sections
        ],
        title=tr(request, "Vulnerability by section (0-100, higher is weaker)"),
        no_answers=tr(request, "no answers"),
    )
    scale = risk["risk"]["inputs"]
    bands = list(zip(scale["bands_up_to"], scale["bands"], strict=True))
    band_labels = {
        "low": tr(request, "Low"),
        "medium": tr(request, "Medium"),
        "high": tr(request, "High"),
        "critical": tr(request, "Critical"),
    }
    matrix = charts.risk_matrix_svg(
        int(risk["likelihood"]["value"]),
        int(risk["impact"]["value"]),
        bands=bands,
        band_labels=band_labels,
        title=tr(request, "Risk matrix: likelihood × impact"),
        likelihood_label=tr(request, "Likelihood"),
        impact_label=tr(request, "Impact"),
        marker_label=tr(request, "This site"),
    )
    groups = [(t, [m for m in result["measures"] if m["timeframe"] == t]) for t in TIMEFRAMES]
    params = loaded.methodology.scoring.scenarios
    return {
        "result": result,
        "duty_tier": tier,
        "risk": risk,
        "radar_svg": Markup(radar),  # noqa: S704 - charts.py escapes every label it draws
        "matrix_svg": Markup(matrix),  # noqa: S704 - charts.py escapes every label it draws
        "measure_groups": groups,
        "money_bands": money_bands,
        "money": funding.plan_money(result["measures"], money_bands, locale),
        "questions": questions_of(loaded.methodology),
        "section_titles": {s.code: s.title for s in loaded.methodology.sections},
        "maturity_labels": loaded.methodology.maturity_labels,
        # Highest scenario risk first (as stored); results stored before scenarios have none.
        "scenarios": result["scenarios"],
        "scenario_lead_count": params.lead if params is not None else 0,
        "scenario_titles": {x["scenario_id"]: x["title"] for x in result["scenarios"]},
    }


def localised_result(
    result: dict[str, Any], methodology: Methodology, locale: str
) -> dict[str, Any]:
    """A result with its section titles and measure texts in the reader's language.

    Scores and stored results carry the English (so they are the same in every language, and
    results stored before methodologies had languages still read); the words are looked up again
    by code in the methodology, as `Shown` text that says when it fell back to English.
    """
    titles = {s.code: s.title for s in methodology.sections}
    measures = {m.id: m.text for m in methodology.measures}
    scenario_titles = {s.id: s.title for s in methodology.scenarios}
    questions = questions_of(methodology)

    def climbing(trigger: dict[str, Any]) -> dict[str, Any]:
        """A trigger with the level its graded step climbs to ("to"), None when ungraded."""
        question = questions.get(trigger["question_id"])
        return trigger | {"to": next_level(question, trigger["answer"]) if question else None}

    def shown(found: str | dict[str, str] | None, stored: str) -> Shown:
        return pick(found if found is not None else stored, locale)

    vulnerability = result["vulnerability"]
    sections = [
        s | {"title": shown(titles.get(s["code"]), s["title"])} for s in vulnerability["sections"]
    ]
    return result | {
        "vulnerability": vulnerability | {"sections": sections},
        "measures": [
            m
            | {
                "text": shown(measures.get(m["measure_id"]), m["text"]),
                "triggers": [climbing(t) for t in m["triggers"]],
            }
            for m in result["measures"]
        ],
        "scenarios": [
            x | {"title": shown(scenario_titles.get(x["scenario_id"]), x["title"])}
            for x in result.get("scenarios", [])
        ],
    }
