"""Assessments: start one for a site, save each answer as it is given, complete, approve.

Completing scores the answers (scoring.py) against today's threat, fixes the result with its
explanations on the assessment, writes the measures onto the site and the site's current risk.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.assessments import carry, site_measures, versions
from vigil.assessments.duties import under_todays_rules
from vigil.assessments.methodology import Methodology
from vigil.assessments.models import (
    Assessment,
    AssessmentAnswer,
    AssessmentStatus,
    MethodologyStatus,
    MethodologyVersion,
    SiteRisk,
)
from vigil.assessments.parameters import english
from vigil.assessments.recompute import risk_columns
from vigil.assessments.risk import compiled
from vigil.assessments.schemas import AnswerRead, AssessmentRead
from vigil.assessments.scoring import (
    AssessmentScore,
    SiteFacts,
    ThreatInputs,
    check_answer,
    score_assessment,
)
from vigil.assessments.threat import incidents_near
from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.core.policy import TLP, Principal, References, Role, scope
from vigil.orgs import directory as orgs_directory
from vigil.sites import directory as sites_directory
from vigil.sites import service as sites_service

if TYPE_CHECKING:
    from vigil.sites.models import Site

# What `References` knows the sites by: the sites domain keeps their table to itself.
SITES = "sites"
OPEN_STATUSES = (AssessmentStatus.draft.value, AssessmentStatus.in_progress.value)
DONE_STATUSES = (AssessmentStatus.completed.value, AssessmentStatus.approved.value)


def _log(session: Session, principal: Principal, action: str, a: Assessment, **detail: Any) -> None:
    audit.log_action(
        session,
        principal,
        action,
        target_type="assessments",
        target_id=a.id,
        org_id=a.owner_org_id,
        detail=detail or None,
    )


def start_assessment(
    *, session: Session, principal: Principal, site_id: int, version_id: int
) -> Assessment:
    """A new draft for a site the principal reports for, against a published methodology."""
    site = sites_service.get_site(session=session, principal=principal, site_id=site_id)
    if not principal.has_role(site.owner_org_id, Role.reporter):
        raise Forbidden("Only members of the site's organisation (reporter or higher) assess it.")
    version = versions.get_version(session=session, principal=principal, version_id=version_id)
    if version.status == MethodologyStatus.withdrawn.value:
        raise Invalid("methodology_version_id", "this methodology version has been withdrawn")
    methodology = versions.methodology_of(version)
    if site.type not in methodology.applies_to:
        raise Invalid(
            "methodology_version_id",
            "'%(methodology)s' is not made for sites of type %(type)s",
            methodology=english(methodology.title),
            type=site.type,
        )
    assessment = Assessment(
        site_id=site.id,
        methodology_version_id=version.id,
        owner_org_id=site.owner_org_id,
        author_id=principal.person_id,
        tlp=TLP.amber_strict.value,
    )
    session.add(assessment)
    session.flush()
    _log(session, principal, "assessment.start", assessment, site_id=site.id)
    return assessment


def get_assessment(*, session: Session, principal: Principal, assessment_id: int) -> Assessment:
    found = session.scalar(
        scope(select(Assessment).where(Assessment.id == assessment_id), Assessment, principal)
    )
    if found is None:
        raise NotFound("No such assessment, or it is not shared with you.")
    return found


def methodology_of(
    session: Session, assessment: Assessment
) -> tuple[MethodologyVersion, Methodology]:
    version = session.get(MethodologyVersion, assessment.methodology_version_id)
    if version is None:  # pragma: no cover - a foreign key keeps it
        raise NotFound("The assessment's methodology is missing.")
    return version, versions.methodology_of(version)


def answers_of(session: Session, assessment_id: int) -> dict[str, AssessmentAnswer]:
    rows = session.scalars(
        select(AssessmentAnswer).where(AssessmentAnswer.assessment_id == assessment_id)
    )
    return {row.question_id: row for row in rows}


def _editable(session: Session, principal: Principal, assessment_id: int) -> Assessment:
    assessment = get_assessment(session=session, principal=principal, assessment_id=assessment_id)
    if not principal.has_role(assessment.owner_org_id, Role.reporter):
        raise Forbidden("Only members of the site's organisation (reporter or higher) answer.")
    if assessment.status not in OPEN_STATUSES:
        raise Conflict("This assessment is completed; start a new one to re-assess the site.")
    version, _ = methodology_of(session, assessment)
    if version.status == MethodologyStatus.withdrawn.value:
        raise Invalid(
            "methodology_version_id",
            "this assessment's methodology version has been withdrawn: start a new assessment "
            "with a published version",
        )
    return assessment


def save_answers(
    *,
    session: Session,
    principal: Principal,
    assessment_id: int,
    answers: Mapping[str, object],
    notes: Mapping[str, str] | None = None,
) -> Assessment:
    """Save answers as they are given; all are checked first, so a wrong one saves none."""
    assessment = _editable(session, principal, assessment_id)
    _, methodology = methodology_of(session, assessment)
    normal = {qid: check_answer(methodology, qid, value) for qid, value in answers.items()}
    notes = notes or {}
    existing = answers_of(session, assessment.id)
    now = utcnow()
    for qid, value in normal.items():
        row = existing.get(qid)
        if row is None:
            row = AssessmentAnswer(assessment_id=assessment.id, question_id=qid)
            session.add(row)
        row.value = str(value)
        if qid in notes:
            row.note = notes[qid][:2000]
        row.answered_by = principal.person_id
        row.answered_at = now
    if normal and assessment.status == AssessmentStatus.draft.value:
        assessment.status = AssessmentStatus.in_progress.value
    assessment.updated_at = now
    session.flush()
    _log(session, principal, "assessment.answer", assessment, questions=sorted(normal))
    return assessment


def threat_inputs(
    session: Session, methodology: Methodology, site: Site, now: dt.datetime
) -> ThreatInputs:
    params = compiled(methodology)
    level = orgs_directory.national_threat_level(session=session, org_id=site.owner_org_id)
    nearby = incidents_near(
        session,
        lat=site.lat,
        lon=site.lon,
        radius_km=params.radius_km,
        since=now - dt.timedelta(days=params.lookback_days),
        now=now,
    )
    return ThreatInputs(national_level=level if level is not None else 2, incidents=nearby)


def site_facts(site: Site) -> SiteFacts:
    return SiteFacts(
        site.type, site.capacity or None, site.typical_attendance or None, site.country
    )


def score_now(
    session: Session, assessment: Assessment, now: dt.datetime | None = None
) -> AssessmentScore:
    """The assessment's scores with today's threat (a preview while it is being answered)."""
    _, methodology = methodology_of(session, assessment)
    site = sites_directory.find_site(session=session, site_id=assessment.site_id)
    assert site is not None  # noqa: S101 - a foreign key keeps it
    answers = {qid: row.value for qid, row in answers_of(session, assessment.id).items()}
    threat = threat_inputs(session, methodology, site, now or utcnow())
    return score_assessment(methodology, answers, site=site_facts(site), threat=threat)


def complete_assessment(
    *, session: Session, principal: Principal, assessment_id: int
) -> Assessment:
    """Score and fix the result; every applicable question must have an answer (or n/a)."""
    assessment = _editable(session, principal, assessment_id)
    score = score_now(session, assessment)
    if score.vulnerability.unanswered:
        missing = score.vulnerability.unanswered
        raise Invalid(
            "answers",
            "not every question has an answer yet (%(count)s missing; answer 'not applicable' "
            "where a question does not fit): %(questions)s",
            count=len(missing),
            questions=", ".join(missing[:10]),
        )
    unchecked = carry.assessment_marks(session, assessment).unchecked
    if unchecked:
        raise Invalid(
            "answers",
            "%(count)s reworded question(s) still carry the answer given to their earlier "
            "wording: check each and save its answer again: %(questions)s",
            count=len(unchecked),
            questions=", ".join(unchecked[:10]),
        )
    now = utcnow()
    assessment.result_json = json.dumps(score.as_dict(), default=str)
    assessment.status = AssessmentStatus.completed.value
    assessment.completed_by = principal.person_id
    assessment.completed_at = now
    assessment.updated_at = now
    site_measures.write_measures(session, principal, assessment, score)
    _write_risk(session, assessment, score, now)
    _log(session, principal, "assessment.complete", assessment, risk=int(score.risk.risk.value))
    return assessment


def _write_risk(
    session: Session, assessment: Assessment, score: AssessmentScore, now: dt.datetime
) -> None:
    session.execute(delete(SiteRisk).where(SiteRisk.site_id == assessment.site_id))
    overall = score.vulnerability.overall
    session.add(
        SiteRisk(
            site_id=assessment.site_id,
            assessment_id=assessment.id,
            vulnerability=overall.value if overall is not None else 0.0,
            **risk_columns(score.risk, now),
        )
    )


def approve_assessment(*, session: Session, principal: Principal, assessment_id: int) -> Assessment:
    assessment = get_assessment(session=session, principal=principal, assessment_id=assessment_id)
    if not principal.has_role(assessment.owner_org_id, Role.coordinator):
        raise Forbidden("Only coordinators of the site's organisation approve assessments.")
    if assessment.status != AssessmentStatus.completed.value:
        raise Conflict("Only a completed assessment can be approved.")
    assessment.status = AssessmentStatus.approved.value
    assessment.approved_by = principal.person_id
    assessment.approved_at = utcnow()
    assessment.updated_at = assessment.approved_at
    _log(session, principal, "assessment.approve", assessment)
    return assessment


def result_of(assessment: Assessment) -> dict[str, Any] | None:
    return json.loads(assessment.result_json) if assessment.result_json else None


def site_assessments(*, session: Session, principal: Principal, site_id: int) -> list[Assessment]:
    """A site's assessments the principal may read, newest first; NotFound for a site the
    principal may not read, as for any route named by a record it cannot see."""
    sites_service.get_site(session=session, principal=principal, site_id=site_id)
    stmt = select(Assessment).where(Assessment.site_id == site_id)
    stmt = scope(stmt, Assessment, principal).order_by(Assessment.created_at.desc())
    return list(session.scalars(stmt))


def applicable_questions(methodology: Methodology, site_type: str) -> list[str]:
    return [q.id for s in methodology.applicable_sections(site_type) for q in s.questions]


def assessment_reads(
    *, session: Session, principal: Principal, assessments: list[Assessment]
) -> list[AssessmentRead]:
    """Assessments as `principal` reads them: the site shows as null to one who may not read it."""
    sites = sites_service.readable_site_ids(
        session=session, principal=principal, site_ids=[a.site_id for a in assessments]
    )
    refs = References({SITES: sites})
    return [assessment_read(session, a, refs) for a in assessments]


def read_assessment(
    *, session: Session, principal: Principal, assessment: Assessment
) -> AssessmentRead:
    return assessment_reads(session=session, principal=principal, assessments=[assessment])[0]


def assessment_read(session: Session, assessment: Assessment, refs: References) -> AssessmentRead:
    """One assessment, its site resolved by `refs`."""
    version, methodology = methodology_of(session, assessment)
    site = sites_directory.find_site(session=session, site_id=assessment.site_id)
    assert site is not None  # noqa: S101 - a foreign key keeps it
    applicable = set(applicable_questions(methodology, site.type))
    answers = answers_of(session, assessment.id)
    return AssessmentRead(
        id=assessment.id,
        site_id=refs.shown(SITES, assessment.site_id),
        methodology_version_id=version.id,
        methodology_code=version.code,
        methodology_version=version.version,
        status=assessment.status,
        tlp=assessment.tlp,
        owner_org_id=assessment.owner_org_id,
        answered=len(applicable & set(answers)),
        questions=len(applicable),
        answers=[
            AnswerRead(
                question_id=a.question_id,
                value=a.value,
                note=a.note,
                answered_by=a.answered_by,
                answered_at=a.answered_at,
            )
            for a in answers.values()
        ],
        created_at=assessment.created_at,
        completed_at=assessment.completed_at,
        completed_by=assessment.completed_by,
        approved_at=assessment.approved_at,
        approved_by=assessment.approved_by,
        result=_result_today(assessment, site),
    )


def _result_today(assessment: Assessment, site: Site) -> dict[str, Any] | None:
    """The stored result, its tier and duties by today's premises rule set of the site."""
    stored = result_of(assessment)
    if stored is None:
        return None
    return under_todays_rules(stored, sites_service.site_duty_tier(site))
