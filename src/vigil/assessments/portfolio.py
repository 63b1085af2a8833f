"""Across assessments: two assessments of a site side by side, and a network's portfolio of sites
ranked by risk with the weaknesses most of them share.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.assessments import duties, service, versions
from vigil.assessments.methodology import Methodology
from vigil.assessments.models import Assessment, MethodologyVersion, SiteRisk
from vigil.assessments.parameters import english
from vigil.assessments.schemas import (
    AnswerChange,
    AssessmentComparison,
    Portfolio,
    PortfolioSite,
    SectionChange,
    Weakness,
)
from vigil.core.errors import Invalid
from vigil.core.policy import Principal, scope
from vigil.sites import service as sites_service
from vigil.sites.schemas import DutyTierRead, SiteFilters

PORTFOLIO_LIMIT = 2000
WEAKNESS_LIMIT = 10


def _result(session: Session, assessment: Assessment) -> dict[str, Any]:
    stored = service.result_of(assessment)
    return stored if stored is not None else service.score_now(session, assessment).as_dict()


def _answer_values(result: dict[str, Any]) -> dict[str, tuple[str, str, float]]:
    """question id -> (section, answer, value 0..1) of a stored or fresh result."""
    found = {}
    for section in result["vulnerability"]["sections"]:
        for a in section["answers"]:
            found[a["question_id"]] = (section["code"], str(a["answer"]), a["value"]["value"])
    return found


def _overall(result: dict[str, Any]) -> float | None:
    overall = result["vulnerability"]["overall"]
    return None if overall is None else float(overall["value"])


def compare_assessments(
    *, session: Session, principal: Principal, before_id: int, after_id: int
) -> AssessmentComparison:
    before = service.get_assessment(session=session, principal=principal, assessment_id=before_id)
    after = service.get_assessment(session=session, principal=principal, assessment_id=after_id)
    if before.site_id != after.site_id:
        raise Invalid("after", "both assessments must be of the same site")
    old, new = _result(session, before), _result(session, after)
    _, methodology = service.methodology_of(session, after)
    old_answers, new_answers = _answer_values(old), _answer_values(new)
    improved: list[AnswerChange] = []
    worse: list[AnswerChange] = []
    for qid in sorted(set(old_answers) | set(new_answers)):
        was, now = old_answers.get(qid), new_answers.get(qid)
        if was is None or now is None or was[2] == now[2]:
            continue
        change = AnswerChange(
            question_id=qid,
            section=now[0],
            text=_question_text(methodology, qid),
            before=was[1],
            after=now[1],
            change="better" if now[2] > was[2] else "worse",
        )
        (improved if change.change == "better" else worse).append(change)
    old_sections = {s["code"]: s for s in old["vulnerability"]["sections"]}
    sections = [
        SectionChange(
            section=s["code"],
            title=s["title"],
            before=_section_value(old_sections.get(s["code"])),
            after=_section_value(s),
        )
        for s in new["vulnerability"]["sections"]
    ]
    return AssessmentComparison(
        before_id=before.id,
        after_id=after.id,
        vulnerability_before=_overall(old),
        vulnerability_after=_overall(new),
        risk_before=int(old["risk"]["risk"]["value"]),
        risk_after=int(new["risk"]["risk"]["value"]),
        sections=sections,
        improved=improved,
        worse=worse,
    )


def _section_value(section: dict[str, Any] | None) -> float | None:
    if section is None or section["vulnerability"] is None:
        return None
    return float(section["vulnerability"]["value"])


def portfolio(*, session: Session, principal: Principal, org_id: int | None = None) -> Portfolio:
    """Sites the principal may read, riskiest first; risk only from assessments it may read."""
    readable_assessments = scope(select(Assessment.id), Assessment, principal)
    readable_sites = sites_service.filtered(SiteFilters(), principal)
    columns = readable_sites.selected_columns
    stmt = readable_sites.add_columns(SiteRisk).outerjoin(
        SiteRisk,
        (SiteRisk.site_id == columns.id) & SiteRisk.assessment_id.in_(readable_assessments),
    )
    if org_id is not None:
        stmt = stmt.where(columns.owner_org_id == org_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(SiteRisk.risk.desc().nulls_last(), columns.name).limit(PORTFOLIO_LIMIT)
    ).all()
    assessment_ids = [risk.assessment_id for _, risk in rows if risk is not None]
    results = _results(session, assessment_ids)
    # Question ids repeat across methodologies (gov.01 ...): count them per methodology.
    weaknesses: Counter[tuple[str, str]] = Counter()
    texts: dict[tuple[str, str], tuple[str, str]] = {}
    sites = []
    for site, risk in rows:
        found = results.get(risk.assessment_id) if risk is not None else None
        # The tier of the site's country's rule set today decides which duties are required.
        tier = sites_service.site_duty_tier(site)
        lacking = []
        if found is not None:
            result, methodology = found
            lacking = duties.lacking(duties.duties_under(result.get("duties", []), tier))
            for qid, (section, _, value) in _answer_values(result).items():
                if value < methodology.scoring.weak_answer_below:
                    key = (methodology.code, qid)
                    weaknesses[key] += 1
                    texts.setdefault(key, (section, _question_text(methodology, qid)))
        sites.append(
            PortfolioSite(
                site_id=site.id,
                name=site.name,
                type=site.type,
                city=site.city,
                country=site.country,
                lat=site.lat,
                lon=site.lon,
                owner_org_id=site.owner_org_id,
                assessment_id=risk.assessment_id if risk else None,
                risk=risk.risk if risk else None,
                band=risk.band if risk else None,
                likelihood=risk.likelihood if risk else None,
                impact=risk.impact if risk else None,
                vulnerability=risk.vulnerability if risk else None,
                nearby_incidents=risk.nearby_incidents if risk else None,
                duty_tier=DutyTierRead.model_validate(tier, from_attributes=True),
                lacking_duties=lacking,
            )
        )
    common = [
        Weakness(
            methodology=key[0],
            question_id=key[1],
            text=texts[key][1],
            section=texts[key][0],
            sites=count,
        )
        for key, count in weaknesses.most_common(WEAKNESS_LIMIT)
    ]
    return Portfolio(sites=sites, weaknesses=common, total=total)


def _results(
    session: Session, assessment_ids: list[int]
) -> dict[int, tuple[dict[str, Any], Methodology]]:
    """Stored results with their methodologies, in two queries for the whole portfolio."""
    if not assessment_ids:
        return {}
    rows = list(session.scalars(select(Assessment).where(Assessment.id.in_(assessment_ids))))
    version_ids = {a.methodology_version_id for a in rows}
    methodologies = {
        v.id: versions.methodology_of(v)
        for v in session.scalars(
            select(MethodologyVersion).where(MethodologyVersion.id.in_(version_ids))
        )
    }
    found = {}
    for a in rows:
        result = service.result_of(a)
        if result is not None:
            found[a.id] = (result, methodologies[a.methodology_version_id])
    return found


def _question_text(methodology: Methodology, question_id: str) -> str:
    try:
        return english(methodology.question(question_id).text)
    except KeyError:
        return question_id
