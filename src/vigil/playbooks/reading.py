"""Reading the response: the playbook on an incident with its tasks (done, running late, overdue)
and reopening criteria, the room's marker and state that its live stream watches, and the
playbooks suggested for an incident from its type, its site's type and its severity.

Kept apart from `service` (which changes things) because every page and API answer reads
through here, and the room's state is read ten times a second per open room: one query.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel
from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session, aliased

from vigil.alerts import incident_alerts
from vigil.core.audit import AuditEntry
from vigil.core.db import utcnow
from vigil.core.errors import NotFound
from vigil.core.policy import Principal
from vigil.incidents import service as incidents_service
from vigil.orgs import directory as orgs_directory
from vigil.playbooks import versions, wording
from vigil.playbooks.models import (
    Activation,
    ReopeningState,
    RollCall,
    RollCallEntry,
    Task,
    TimelineEntry,
)
from vigil.playbooks.schemas import (
    ActivationRead,
    Answer,
    CriterionRead,
    TaskRead,
    TaskStatus,
    TemplateSummary,
)
from vigil.playbooks.service import readable_incident
from vigil.playbooks.templates import Stage
from vigil.sites import service as sites_service

if TYPE_CHECKING:
    from vigil.incidents.models import Incident


def room_marker(session: Session, incident_id: int) -> int:
    """Grows with every change to the incident's response: the id of its newest timeline entry."""
    return int(
        session.scalar(
            select(func.max(TimelineEntry.id)).where(TimelineEntry.incident_id == incident_id)
        )
        or 0
    )


class RoomState(NamedTuple):
    marker: int  # the newest timeline entry: what pages hold and streams count in
    history: int | None
    reports: int
    alerts: dt.datetime | None


def room_state(session: Session, incident_id: int) -> RoomState:
    """Changes whenever anything the room shows does: the marker (first), the incident's own
    history (status changes and edits), its reports and the alerts sent about it. One query of
    four indexed lookups, which the live room reads ten times a second per open room."""
    entries = select(func.max(TimelineEntry.id)).where(TimelineEntry.incident_id == incident_id)
    history = select(func.max(AuditEntry.id)).where(
        AuditEntry.target_type == "incidents", AuditEntry.target_id == str(incident_id)
    )
    reports = incidents_service.report_count_query(incident_id=incident_id)
    alerts = incident_alerts.last_alert_change_query(incident_id=incident_id)
    row = session.execute(
        select(*(q.scalar_subquery() for q in (entries, history, reports, alerts)))
    ).one()
    return RoomState(int(row[0] or 0), row[1], int(row[2] or 0), row[3])


def activation_of(session: Session, incident_id: int) -> Activation | None:
    """The activation of an incident the caller already found readable."""
    return session.scalar(select(Activation).where(Activation.incident_id == incident_id))


def task_read(task: Task, names: dict[int, str], now: dt.datetime) -> TaskRead:
    done = task.status == TaskStatus.done.value
    overdue = not done and task.due_at < now
    late = overdue or bool(done and task.completed_at and task.completed_at > task.due_at)
    return TaskRead(
        id=task.id,
        stage=Stage(task.stage),
        position=task.position,
        code=task.code,
        role=task.role,
        title=task.title,
        guidance=task.guidance,
        checklist=json.loads(task.checklist),
        due_at=task.due_at,
        status=TaskStatus(task.status),
        assignee_id=task.assignee_id,
        assignee_name=names.get(task.assignee_id or 0, ""),
        version=task.version,
        completed_at=task.completed_at,
        completed_by_name=names.get(task.completed_by or 0, ""),
        overdue=overdue,
        late=late,
    )


def activation_read(session: Session, activation: Activation, incident: Incident) -> ActivationRead:
    tasks = list(
        session.scalars(
            select(Task)
            .where(Task.activation_id == activation.id)
            .order_by(Task.due_at, Task.position, Task.id)
        )
    )
    order = {s.value: i for i, s in enumerate(Stage)}
    tasks.sort(key=lambda t: (order[t.stage], t.position))
    criteria = session.scalars(
        select(ReopeningState)
        .where(ReopeningState.activation_id == activation.id)
        .order_by(ReopeningState.position)
    )
    people = {t.assignee_id for t in tasks} | {t.completed_by for t in tasks}
    names = orgs_directory.person_names(
        session=session, person_ids={p for p in people | {activation.activated_by} if p}
    )
    now = utcnow()
    routine = activation.returned_to_routine_at
    return ActivationRead(
        id=activation.id,
        incident_id=activation.incident_id,
        template_code=activation.template_code,
        template_version=activation.template_version,
        template_org_id=activation.template_org_id,
        title=activation.title,
        activated_at=activation.activated_at,
        activated_by_name=names.get(activation.activated_by or 0, ""),
        returned_to_routine_at=routine,
        time_to_routine_seconds=int((routine - incident.occurred_from).total_seconds())
        if routine
        else None,
        tasks=[task_read(t, names, now) for t in tasks],
        reopening_criteria=[
            CriterionRead(code=c.code, text=c.text, met_at=c.met_at) for c in criteria
        ],
        marker=room_marker(session, activation.incident_id),
    )


def read_playbook(*, session: Session, principal: Principal, incident_id: int) -> ActivationRead:
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    activation = session.scalar(select(Activation).where(Activation.incident_id == incident_id))
    if activation is None:
        raise NotFound("No playbook is active on this incident.")
    return activation_read(session, activation, incident)


def suggest_for(
    *, session: Session, principal: Principal, incident_id: int
) -> list[TemplateSummary]:
    """Playbooks for the incident, from its type, its site's type and its severity."""
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    return versions.suggestions(
        session=session,
        org_id=incident.owner_org_id,
        incident_type=incident.type,
        site_type=_site_type(session, principal, incident),
        severity=incident.severity,
    )


def _site_type(session: Session, principal: Principal, incident: Incident) -> str | None:
    """The type of the incident's site, when the principal may see the site."""
    if incident.site_id is None:
        return None
    try:
        site = sites_service.get_site(
            session=session, principal=principal, site_id=incident.site_id
        )
    except NotFound:
        return None
    return str(site.type)


class ResponseSummary(BaseModel):
    incident_id: int
    incident_title: str
    incident_type: str
    playbook: str
    playbook_titles: dict[str, str]
    activated_at: dt.datetime
    returned_to_routine_at: dt.datetime | None
    open_tasks: int
    late_tasks: int


def list_responses(
    *,
    session: Session,
    principal: Principal,
    active: bool,
    limit: int = 50,
    org_id: int | None = None,
) -> list[ResponseSummary]:
    """Responses on incidents the principal may read: running ones (newest first), or those
    back to routine (most recent first); with open and late task counts in one grouped query.
    `org_id`: only the responses that organisation runs (the dashboard's)."""
    now = utcnow()
    counts = (
        select(
            Task.activation_id,
            func.sum(case((Task.completed_at.is_(None), 1), else_=0)).label("open"),
            func.sum(case((Task.completed_at.is_(None) & (Task.due_at < now), 1), else_=0)).label(
                "late"
            ),
        )
        .group_by(Task.activation_id)
        .subquery()
    )
    routine = Activation.returned_to_routine_at
    incidents = incidents_service.readable_incidents(principal=principal)
    stmt = (
        select(Activation, incidents.c.title, incidents.c.type, counts.c.open, counts.c.late)
        .join(incidents, incidents.c.id == Activation.incident_id)
        .outerjoin(counts, counts.c.activation_id == Activation.id)
        .where(routine.is_(None) if active else routine.is_not(None))
        .where(Activation.org_id == org_id if org_id is not None else true())
        .order_by((Activation.activated_at if active else routine).desc(), Activation.id.desc())
        .limit(limit)
    )
    return [
        ResponseSummary(
            incident_id=a.incident_id,
            incident_title=title,
            incident_type=kind,
            playbook=a.title,
            playbook_titles=wording.titles_of(a.template_text, a.title),
            activated_at=a.activated_at,
            returned_to_routine_at=a.returned_to_routine_at,
            open_tasks=int(open_ or 0),
            late_tasks=int(late or 0),
        )
        for a, title, kind, open_, late in session.execute(stmt)
    ]


class NotSafe(NamedTuple):
    """A roll-call still running and who on it has not said they are safe."""

    incident_id: int
    incident_title: str
    started_at: dt.datetime
    expected: int
    names: list[tuple[str, str | None]]  # name, answer (none yet, or need help / not on site)


# Rows read for the dashboard's roll-calls; a board longer than this is shown in the room.
NOT_SAFE_ROWS = 200


def roll_calls_running(*, session: Session, principal: Principal, org_id: int) -> list[NotSafe]:
    """The running roll-calls of the organisation's responses on incidents the principal may
    read (an incident's newest, while its response is not back to routine), each with those
    not safe yet, need help first, in one query."""
    incidents = incidents_service.readable_incidents(principal=principal)
    newest = select(func.max(RollCall.id)).group_by(RollCall.incident_id).correlate(None)
    everyone = aliased(RollCallEntry)
    expected = (
        select(func.count(everyone.id))
        .where(everyone.roll_call_id == RollCall.id)
        .correlate(RollCall)
        .scalar_subquery()
    )
    not_safe = (RollCallEntry.answer.is_(None)) | (RollCallEntry.answer != Answer.safe.value)
    stmt = (
        select(
            RollCall.id,
            RollCall.incident_id,
            incidents.c.title,
            RollCall.started_at,
            expected,
            RollCallEntry.name,
            RollCallEntry.answer,
        )
        .join(incidents, incidents.c.id == RollCall.incident_id)
        .join(Activation, Activation.incident_id == RollCall.incident_id)
        .outerjoin(RollCallEntry, (RollCallEntry.roll_call_id == RollCall.id) & not_safe)
        .where(
            RollCall.id.in_(newest),
            Activation.org_id == org_id,
            Activation.returned_to_routine_at.is_(None),
        )
        .order_by(
            RollCall.started_at.desc(),
            RollCall.id.desc(),
            case(
                (RollCallEntry.answer == Answer.need_help.value, 0),
                (RollCallEntry.answer.is_(None), 1),
                else_=2,
            ),
            RollCallEntry.name,
        )
        .limit(NOT_SAFE_ROWS)
    )
    found: dict[int, NotSafe] = {}
    for rc_id, incident_id, title, started, count, name, answer in session.execute(stmt):
        call = found.setdefault(rc_id, NotSafe(incident_id, title, started, int(count), []))
        if name is not None:
            call.names.append((name, answer))
    return [call for call in found.values() if call.names]
