"""JSON API of the response: the playbook on an incident, its tasks, timeline and roll-calls,
and the playbooks an organisation can activate or publish."""

from __future__ import annotations

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.core.openapi import sends
from vigil.core.pdf import render_pdf
from vigil.core.policy import Role, acting_org
from vigil.playbooks import (
    metrics,
    reading,
    reopening,
    review,
    rollcall,
    service,
    timeline,
    versions,
)
from vigil.playbooks.metrics import PlaybookMetrics
from vigil.playbooks.schemas import (
    ActivationCreate,
    ActivationRead,
    CriterionChange,
    LogEntryCreate,
    ReviewRead,
    ReviewWrite,
    RollCallAnswer,
    RollCallRead,
    TaskChange,
    TaskRead,
    TemplateSummary,
    TimelineItem,
    Via,
)
from vigil.playbooks.templates import parse_template

router = APIRouter(prefix="/api/v1", tags=["playbooks"])
INCIDENT = "/incidents/{incident_id}"


@router.get(INCIDENT + "/playbook", response_model=ActivationRead)
def get_playbook(incident_id: int, session: SessionDep, principal: PrincipalDep) -> ActivationRead:
    """The playbook running on the incident: tasks stage by stage and reopening criteria."""
    return reading.read_playbook(session=session, principal=principal, incident_id=incident_id)


@router.get(INCIDENT + "/playbook/suggestions", response_model=list[TemplateSummary])
def suggest_playbooks(
    incident_id: int, session: SessionDep, principal: PrincipalDep
) -> list[TemplateSummary]:
    """Playbooks that fit the incident's type, site and severity, best first."""
    return reading.suggest_for(session=session, principal=principal, incident_id=incident_id)


@router.post(INCIDENT + "/playbook", response_model=ActivationRead, status_code=201)
def activate_playbook(
    incident_id: int, data: ActivationCreate, session: SessionDep, principal: PrincipalDep
) -> ActivationRead:
    """Activate a playbook (coordinators): its tasks are scheduled from now."""
    service.activate(session=session, principal=principal, incident_id=incident_id, data=data)
    return reading.read_playbook(session=session, principal=principal, incident_id=incident_id)


@router.patch(INCIDENT + "/playbook/tasks/{task_id}", response_model=TaskRead)
def change_task(
    incident_id: int, task_id: int, data: TaskChange, session: SessionDep, principal: PrincipalDep
) -> TaskRead:
    """Change a task's status or assignee; send the version you saw (409 if it moved on)."""
    service.change_task(
        session=session, principal=principal, incident_id=incident_id, task_id=task_id, change=data
    )
    read = reading.read_playbook(session=session, principal=principal, incident_id=incident_id)
    return next(t for t in read.tasks if t.id == task_id)


@router.put(INCIDENT + "/playbook/criteria/{code}", response_model=ActivationRead)
def set_criterion(
    incident_id: int, code: str, data: CriterionChange, session: SessionDep, principal: PrincipalDep
) -> ActivationRead:
    """Mark a reopening criterion met or not; the last one met records the return to routine."""
    reopening.set_criterion(
        session=session, principal=principal, incident_id=incident_id, code=code, met=data.met
    )
    return reading.read_playbook(session=session, principal=principal, incident_id=incident_id)


@router.get(INCIDENT + "/timeline", response_model=list[TimelineItem])
def get_timeline(
    incident_id: int, session: SessionDep, principal: PrincipalDep
) -> list[TimelineItem]:
    """Everything that happened, oldest first: log, tasks, roll-call, status changes, reports."""
    return timeline.timeline(session=session, principal=principal, incident_id=incident_id)


@router.get(INCIDENT + "/timeline.csv", responses=sends("text/csv", "The timeline as CSV"))
def timeline_csv(incident_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    """The timeline as CSV."""
    items = timeline.timeline(session=session, principal=principal, incident_id=incident_id)
    return Response(
        timeline.timeline_csv(items),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="incident-{incident_id}-timeline.csv"'
        },
    )


@router.get(INCIDENT + "/timeline.pdf", responses=sends("application/pdf", "The timeline as PDF"))
def timeline_pdf(
    incident_id: int, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> Response:
    """The timeline as a PDF for the police and the after-action review."""
    html = timeline.timeline_html(session=session, principal=principal, incident_id=incident_id)
    return Response(
        render_pdf(html, settings=settings),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="incident-{incident_id}-timeline.pdf"'
        },
    )


@router.post(INCIDENT + "/timeline", response_model=TimelineItem, status_code=201)
def add_log_entry(
    incident_id: int, data: LogEntryCreate, session: SessionDep, principal: PrincipalDep
) -> TimelineItem:
    """Write in the log ("14:02 police on site"); a correction names the entry it corrects."""
    entry = service.log_entry(
        session=session, principal=principal, incident_id=incident_id, data=data
    )
    items = timeline.timeline(session=session, principal=principal, incident_id=incident_id)
    return next(i for i in items if i.id == f"entry-{entry.id}")


@router.post(INCIDENT + "/roll-calls", response_model=RollCallRead, status_code=201)
def start_roll_call(
    incident_id: int, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> RollCallRead:
    """Start a roll-call of the incident's site (coordinators): its contacts are expected."""
    roll_call = rollcall.start_roll_call(
        session=session, principal=principal, settings=settings, incident_id=incident_id
    )
    return rollcall.roll_call_read(session, principal, roll_call)


@router.get(INCIDENT + "/roll-calls/{roll_call_id}", response_model=RollCallRead)
def get_roll_call(
    incident_id: int, roll_call_id: int, session: SessionDep, principal: PrincipalDep
) -> RollCallRead:
    """The roll-call board: who has not answered first."""
    roll_call = rollcall.get_roll_call(
        session=session, principal=principal, incident_id=incident_id, roll_call_id=roll_call_id
    )
    return rollcall.roll_call_read(session, principal, roll_call)


@router.post(INCIDENT + "/roll-calls/{roll_call_id}/answers", response_model=RollCallRead)
def answer_roll_call(
    incident_id: int,
    roll_call_id: int,
    data: RollCallAnswer,
    session: SessionDep,
    principal: PrincipalDep,
) -> RollCallRead:
    """Check in (your own answer) or, as coordinator, record someone's answer given by phone."""
    rollcall.answer(
        session=session,
        principal=principal,
        incident_id=incident_id,
        roll_call_id=roll_call_id,
        data=data,
        via=Via.api,
    )
    roll_call = rollcall.get_roll_call(
        session=session, principal=principal, incident_id=incident_id, roll_call_id=roll_call_id
    )
    return rollcall.roll_call_read(session, principal, roll_call)


@router.get(INCIDENT + "/playbook/review", response_model=ReviewRead)
def get_review(incident_id: int, session: SessionDep, principal: PrincipalDep) -> ReviewRead:
    """The after-action review of the incident's response."""
    return review.read_review(session=session, principal=principal, incident_id=incident_id)


@router.put(INCIDENT + "/playbook/review", response_model=ReviewRead)
def write_review(
    incident_id: int, data: ReviewWrite, session: SessionDep, principal: PrincipalDep
) -> ReviewRead:
    """Save the after-action review (coordinators); the actions replace the earlier list."""
    review.write_review(session=session, principal=principal, incident_id=incident_id, data=data)
    return review.read_review(session=session, principal=principal, incident_id=incident_id)


@router.get("/playbooks/metrics", response_model=PlaybookMetrics)
def get_metrics(
    session: SessionDep,
    principal: PrincipalDep,
    network_id: int | None = Query(None, ge=1, le=2_000_000_000),
) -> PlaybookMetrics:
    """Median times to acknowledge, stabilise and return to routine, late tasks per stage, and
    all of it by incident type, for your organisation or one of its networks (readable
    incidents only; the network's others count in two totals only)."""
    return metrics.playbook_metrics(session=session, principal=principal, network_id=network_id)


@router.get("/playbooks", response_model=list[TemplateSummary])
def list_playbooks(session: SessionDep, principal: PrincipalDep) -> list[TemplateSummary]:
    """Playbooks your organisation can activate: its own versions and the shipped templates."""
    org_id = acting_org(principal, Role.viewer)
    return [
        versions.summary(c.template, c.version, c.org_id)
        for c in versions.available(session=session, org_id=org_id)
    ]


@router.post("/playbooks", response_model=TemplateSummary, status_code=201)
def publish_playbook(
    session: SessionDep,
    principal: PrincipalDep,
    source: str = Body(..., embed=True, max_length=200_000),
) -> TemplateSummary:
    """Publish YAML as your organisation's next version of its playbook code (coordinators)."""
    version = versions.publish(session=session, principal=principal, source=source)
    template = parse_template(version.source, file=f"{version.code} v{version.version}")
    return versions.summary(template, version.version, version.org_id)
