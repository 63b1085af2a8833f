"""The response to one incident: activate a playbook, work its tasks, log what happens (the
reopening criteria that bring it back to routine are ticked in `reopening`).

Whoever may read the incident may read its response; `vigil.incidents.service.get_incident`
decides that, so an incident the principal may not see is a 404 here too. Members of the
owning organisation (reporter or higher) work tasks and write the log; coordinators activate,
assign and tick reopening criteria. Every change is a timeline entry (which is also what the
live room watches) and an audit entry.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import N_, Conflict, Forbidden, Invalid, NotFound
from vigil.core.localised import text_in
from vigil.core.policy import Principal, Role
from vigil.incidents import service as incidents_service
from vigil.orgs import directory as orgs_directory
from vigil.orgs import service as orgs_service
from vigil.playbooks import escalation, versions
from vigil.playbooks.models import Activation, ReopeningState, Task, TimelineEntry
from vigil.playbooks.schemas import (
    ActivationCreate,
    LogEntryCreate,
    TaskChange,
    TaskStatus,
)
from vigil.playbooks.templates import SCHEDULED_STAGES, PlaybookTemplate
from vigil.playbooks.versions import ChosenTemplate

if TYPE_CHECKING:
    from vigil.incidents.models import Incident

FUTURE_TOLERANCE = dt.timedelta(minutes=5)
STATUS_WORDS = {"todo": "to do", "doing": "in progress", "done": "done", "blocked": "blocked"}
# A task changed under the editor, by its status now: whole sentences, each translated as one.
STALE_TASK = {
    "todo": N_(
        "Someone else changed this task first (it is now version %(version)s, to do). "
        "Reload to see it."
    ),
    "doing": N_(
        "Someone else changed this task first (it is now version %(version)s, in progress). "
        "Reload to see it."
    ),
    "done": N_(
        "Someone else changed this task first (it is now version %(version)s, done). "
        "Reload to see it."
    ),
    "blocked": N_(
        "Someone else changed this task first (it is now version %(version)s, blocked). "
        "Reload to see it."
    ),
}
STALE_TASK_COMPLETED = N_(
    "Someone else changed this task first (it is now version %(version)s, done). "
    "It was completed by %(name)s. Reload to see it."
)


def readable_incident(*, session: Session, principal: Principal, incident_id: int) -> Incident:
    """The incident if the principal may read it (else NotFound, as if it did not exist)."""
    return incidents_service.get_incident(
        session=session, principal=principal, incident_id=incident_id
    )


def require_role(principal: Principal, org_id: int, role: Role, refusal: str) -> None:
    """`refusal` is the whole sentence (an `N_` msgid) saying what needs `%(role)s`, so that a
    translator sees the action and the role together."""
    if not principal.has_role(org_id, role):
        raise Forbidden(refusal, role=role.name_term)


def add_entry(
    session: Session,
    *,
    incident_id: int,
    principal: Principal | None,
    kind: str,
    text: str,
    source: str,
    at: dt.datetime | None = None,
    task_id: int | None = None,
    corrects_id: int | None = None,
    author_name: str | None = None,
) -> TimelineEntry:
    entry = TimelineEntry(
        incident_id=incident_id,
        at=at or utcnow(),
        recorded_at=utcnow(),
        kind=kind,
        author_id=principal.person_id if principal else None,
        author_name=author_name
        if author_name is not None
        else (principal.name if principal else ""),
        source=source,
        text=text,
        task_id=task_id,
        corrects_id=corrects_id,
    )
    session.add(entry)
    session.flush()
    return entry


def get_activation(*, session: Session, principal: Principal, incident_id: int) -> Activation:
    readable_incident(session=session, principal=principal, incident_id=incident_id)
    activation = session.scalar(select(Activation).where(Activation.incident_id == incident_id))
    if activation is None:
        raise NotFound("No playbook is active on this incident.")
    return activation


def find_activation(
    *, session: Session, principal: Principal, incident_id: int
) -> Activation | None:
    readable_incident(session=session, principal=principal, incident_id=incident_id)
    return session.scalar(select(Activation).where(Activation.incident_id == incident_id))


def new_activation(
    incident: Incident, chosen: ChosenTemplate, by: int | None, at: dt.datetime
) -> Activation:
    """The activation of a chosen template on an incident, keeping the template's text."""
    return Activation(
        incident_id=incident.id,
        org_id=incident.owner_org_id,
        template_code=chosen.template.code,
        template_version=chosen.version,
        template_org_id=chosen.org_id,
        template_text=chosen.text,
        # The columns keep the English, what the timeline and exports say; each reader's
        # language is read from template_text (vigil.playbooks.wording).
        title=text_in(chosen.template.title),
        activated_by=by,
        activated_at=at,
    )


def add_plan(
    session: Session, activation: Activation, template: PlaybookTemplate, at: dt.datetime
) -> list[Task]:
    """The template's scheduled tasks, due from `at`, and its reopening criteria."""
    tasks = [
        Task(
            activation_id=activation.id,
            stage=stage.value,
            position=position,
            code=task.code,
            role=task.role.value,
            title=text_in(task.title),
            guidance=text_in(task.guidance),
            checklist=json.dumps([text_in(line) for line in task.checklist]),
            due_at=at + dt.timedelta(minutes=task.due_minutes or 0),
            updated_at=at,
        )
        for stage in SCHEDULED_STAGES
        for position, task in enumerate(template.stage_tasks(stage))
    ]
    session.add_all(tasks)
    session.add_all(
        ReopeningState(activation_id=activation.id, position=i, code=c.code, text=text_in(c.text))
        for i, c in enumerate(template.reopening_criteria)
    )
    return tasks


def activate(
    *,
    session: Session,
    principal: Principal,
    incident_id: int,
    data: ActivationCreate,
    source: str = "api",
) -> Activation:
    """Schedule the playbook's immediate, stabilise and recover tasks from now (DECISIONS 2)."""
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    require_role(
        principal,
        incident.owner_org_id,
        Role.coordinator,
        N_("Activating a playbook needs the role %(role)s or higher in the incident's owner."),
    )
    if session.scalar(select(Activation.id).where(Activation.incident_id == incident_id)):
        raise Conflict("A playbook is already active on this incident.")
    chosen = versions.resolve_template(
        session=session,
        org_id=incident.owner_org_id,
        code=data.template_code,
        org_version=data.org_version,
    )
    now = utcnow()
    activation = new_activation(incident, chosen, principal.person_id, now)
    session.add(activation)
    try:
        session.flush()
    except IntegrityError as exc:  # a second coordinator activated at the same moment
        raise Conflict("A playbook is already active on this incident.") from exc
    add_plan(session, activation, chosen.template, now)
    session.flush()
    escalation.schedule_checks(session, activation)
    add_entry(
        session,
        incident_id=incident.id,
        principal=principal,
        kind="activation",
        text=f"Playbook activated: {text_in(chosen.template.title)} (version {chosen.version})",
        source=source,
        at=now,
    )
    audit.log_action(
        session,
        principal,
        "playbook.activate",
        target_type="incidents",
        target_id=incident.id,
        org_id=incident.owner_org_id,
        detail={"template": chosen.template.code, "version": chosen.version},
    )
    return activation


def _task_of(
    session: Session, principal: Principal, incident_id: int, task_id: int
) -> tuple[Task, Activation]:
    activation = get_activation(session=session, principal=principal, incident_id=incident_id)
    task = session.get(Task, task_id)
    if task is None or task.activation_id != activation.id:
        raise NotFound("No such task in this incident's playbook.")
    return task, activation


def _member_name(session: Session, principal: Principal, org_id: int, person_id: int) -> str:
    members = orgs_service.list_members(session=session, principal=principal, org_id=org_id)
    name = next((m.name for m in members if m.person_id == person_id), None)
    if name is None:
        raise Invalid("assignee_id", "assign a member of the organisation that owns the incident")
    return name


def change_task(
    *,
    session: Session,
    principal: Principal,
    incident_id: int,
    task_id: int,
    change: TaskChange,
    source: str = "api",
) -> Task:
    """Apply a change made on `change.version`; if anyone changed the task since, a 409 says
    who won, and nothing is written (no lost update, no duplicate completion)."""
    task, activation = _task_of(session, principal, incident_id, task_id)
    org_id = activation.org_id
    require_role(
        principal,
        org_id,
        Role.reporter,
        N_("Working on a task needs the role %(role)s or higher in the incident's owner."),
    )
    values: dict[str, object] = {}
    said: list[str] = []
    if change.assignee_id is not None or change.unassign:
        is_self = change.assignee_id == principal.person_id
        if not (is_self or principal.has_role(org_id, Role.coordinator)):
            raise Forbidden("Only coordinators assign tasks to others.")
        if change.unassign:
            values["assignee_id"] = None
            said.append("unassigned")
        else:
            assert change.assignee_id is not None
            name = _member_name(session, principal, org_id, change.assignee_id)
            values["assignee_id"] = change.assignee_id
            said.append(f"assigned to {name}")
    now = utcnow()
    if change.status is not None:
        values["status"] = change.status.value
        done = change.status == TaskStatus.done
        values["completed_at"] = now if done else None
        values["completed_by"] = principal.person_id if done else None
        said.append(STATUS_WORDS[change.status.value])
    if not values:
        raise Invalid("status", "say what changes: a status, an assignee or unassign")
    result = session.execute(
        update(Task)
        .where(Task.id == task.id, Task.version == change.version)
        .values(**values, version=Task.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(task)
        if task.completed_by:
            names = orgs_directory.person_names(session=session, person_ids=[task.completed_by])
            raise Conflict(
                STALE_TASK_COMPLETED, version=task.version, name=names[task.completed_by]
            )
        raise Conflict(STALE_TASK[task.status], version=task.version)
    session.refresh(task)
    add_entry(
        session,
        incident_id=incident_id,
        principal=principal,
        kind="task",
        text=f"Task “{task.title}”: {', '.join(said)}",
        source=source,
        at=now,
        task_id=task.id,
    )
    audit.log_action(
        session,
        principal,
        "playbook.task",
        target_type="incidents",
        target_id=incident_id,
        org_id=org_id,
        detail={"task": task.id, "changes": sorted(values), "version": task.version},
    )
    return task


def log_entry(
    *,
    session: Session,
    principal: Principal,
    incident_id: int,
    data: LogEntryCreate,
    source: str = "api",
) -> TimelineEntry:
    """A manual entry ("14:02 police on site"), or a correction of an earlier one."""
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    require_role(
        principal,
        incident.owner_org_id,
        Role.reporter,
        N_("Writing in the log needs the role %(role)s or higher in the incident's owner."),
    )
    at = data.at
    if at is not None:
        if at.tzinfo is None:
            raise Invalid("at", "must include a time zone, e.g. 2026-05-01T14:02:00+02:00")
        if at > utcnow() + FUTURE_TOLERANCE:
            raise Invalid("at", "must not be in the future")
    kind = "log"
    if data.corrects_id is not None:
        corrected = session.get(TimelineEntry, data.corrects_id)
        if corrected is None or corrected.incident_id != incident_id:
            raise Invalid("corrects_id", "no such entry on this incident's timeline")
        kind = "correction"
        at = at or corrected.at
    entry = add_entry(
        session,
        incident_id=incident_id,
        principal=principal,
        kind=kind,
        text=data.text,
        source=source,
        at=at,
        corrects_id=data.corrects_id,
    )
    audit.log_action(
        session,
        principal,
        "timeline.entry",
        target_type="incidents",
        target_id=incident_id,
        org_id=incident.owner_org_id,
        detail={"entry": entry.id, "kind": kind},
    )
    return entry
