"""Re-assess a site: a new assessment against the newest published version of the methodology
its latest assessment used, with the answers that still fit carried forward (carry.py says
which, and how the new assessment marks what is new, changed or carried).

The newest version is looked for among the versions of the same owner: an organisation's own
copy stays its own copy, a shipped methodology the shipped one. The latest assessment may be
completed or not (an abandoned draft's answers come forward too); an assessment already open
against the newest version is refused with its address: it is the one to continue.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from vigil.assessments import carry, service, versions
from vigil.assessments.answers import check_answer
from vigil.assessments.models import (
    Assessment,
    AssessmentAnswer,
    AssessmentStatus,
    MethodologyStatus,
    MethodologyVersion,
)
from vigil.assessments.schemas import AssessmentChanges, QuestionMark
from vigil.core import audit
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role
from vigil.sites import service as sites_service


def newest_version(session: Session, version: MethodologyVersion) -> MethodologyVersion | None:
    """The newest published version with the same code and owner as `version`."""
    owner: ColumnElement[bool]
    if version.owner_org_id is None:
        versions.ensure_shipped(session)
        owner = MethodologyVersion.owner_org_id.is_(None)
    else:
        owner = MethodologyVersion.owner_org_id == version.owner_org_id
    stmt = (
        select(MethodologyVersion)
        .where(
            owner,
            MethodologyVersion.code == version.code,
            MethodologyVersion.status == MethodologyStatus.published.value,
        )
        .order_by(MethodologyVersion.version.desc())
        .limit(1)
    )
    return session.scalar(stmt)


@dataclass(frozen=True)
class Offer:
    """What re-assessing a site would do: from which assessment to which version, or which
    open assessment to continue instead."""

    latest: Assessment
    newest: MethodologyVersion | None
    open_id: int | None


def offer(*, session: Session, principal: Principal, site_id: int) -> Offer | None:
    """What re-assessing the site would start from; None when it has no assessment the
    principal may read. NotFound for a site the principal may not read."""
    found = service.site_assessments(session=session, principal=principal, site_id=site_id)
    if not found:
        return None
    latest = max(found, key=lambda a: a.id)
    version = session.get(MethodologyVersion, latest.methodology_version_id)
    assert version is not None  # noqa: S101 - a foreign key keeps it
    newest = newest_version(session, version)
    open_one = None
    if newest is not None:
        open_one = next(
            (
                a
                for a in found
                if a.methodology_version_id == newest.id and a.status in service.OPEN_STATUSES
            ),
            None,
        )
    return Offer(latest=latest, newest=newest, open_id=open_one.id if open_one else None)


def reassess_site(*, session: Session, principal: Principal, site_id: int) -> Assessment:
    """Start a new assessment of the site from its latest one (see the module)."""
    site = sites_service.get_site(session=session, principal=principal, site_id=site_id)
    if not principal.has_role(site.owner_org_id, Role.reporter):
        raise Forbidden("Only members of the site's organisation (reporter or higher) assess it.")
    found = offer(session=session, principal=principal, site_id=site_id)
    if found is None:
        raise Conflict("This site has no assessment yet to re-assess: start one.")
    if found.newest is None:
        raise Invalid(
            "methodology_version_id",
            "no version of this methodology is published any more: start an assessment with "
            "another methodology",
        )
    if found.open_id is not None:
        raise Conflict(
            "An assessment of this site against the newest version is already open: "
            "continue it at /assessments/%(id)s",
            id=found.open_id,
        )
    new = service.start_assessment(
        session=session, principal=principal, site_id=site_id, version_id=found.newest.id
    )
    counts = _copy_answers(session, found.latest, new)
    if counts["carried"] + counts["changed"]:
        new.status = AssessmentStatus.in_progress.value
    session.flush()
    old_version = session.get(MethodologyVersion, found.latest.methodology_version_id)
    assert old_version is not None  # noqa: S101 - a foreign key keeps it
    audit.log_action(
        session,
        principal,
        "assessment.reassess",
        target_type="assessments",
        target_id=new.id,
        org_id=new.owner_org_id,
        detail={
            "site_id": site_id,
            "previous_id": found.latest.id,
            "from_version": old_version.version,
            "to_version": found.newest.version,
            **counts,
        },
    )
    return new


def _copy_answers(session: Session, old: Assessment, new: Assessment) -> dict[str, int]:
    """Copy the old answers to questions that are the same or only reworded, keeping who gave
    them and when (which is what marks them carried); an old answer the new version's scale
    no longer takes is left behind."""
    _, old_methodology = service.methodology_of(session, old)
    _, new_methodology = service.methodology_of(session, new)
    changes = carry.question_changes(old_methodology, new_methodology)
    counts = {"carried": 0, "changed": 0, "new": 0}
    old_answers = service.answers_of(session, old.id)
    for qid, change in changes.items():
        answer = old_answers.get(qid)
        if change == carry.NEW:
            counts["new"] += 1
            continue
        if answer is None:
            continue
        try:
            value = check_answer(new_methodology, qid, answer.value)
        except Invalid:
            continue
        session.add(
            AssessmentAnswer(
                assessment_id=new.id,
                question_id=qid,
                value=str(value),
                note=answer.note,
                answered_by=answer.answered_by,
                answered_at=answer.answered_at,
            )
        )
        counts["carried" if change == carry.SAME else "changed"] += 1
    return counts


def changes(*, session: Session, principal: Principal, assessment_id: int) -> AssessmentChanges:
    """An assessment's marks as the API gives them (the earlier assessment named only to a
    reader who may read it)."""
    assessment = service.get_assessment(
        session=session, principal=principal, assessment_id=assessment_id
    )
    marks = carry.assessment_marks(session, assessment)
    previous_id = marks.previous_id
    if previous_id is not None:
        try:
            service.get_assessment(session=session, principal=principal, assessment_id=previous_id)
        except NotFound:
            previous_id = None
    return AssessmentChanges(
        assessment_id=assessment.id,
        previous_id=previous_id,
        previous_version=marks.previous_version,
        new=marks.count(carry.NEW),
        changed=marks.count(carry.CHANGED),
        carried=marks.count(carry.CARRIED),
        removed=marks.removed,
        needs_you=len(marks.needs),
        questions=[
            QuestionMark(question_id=qid, mark=mark, needs_you=qid in marks.needs)
            for qid, mark in marks.marks.items()
        ],
    )
