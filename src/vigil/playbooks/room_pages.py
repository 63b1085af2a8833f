"""The incident room: the playbook stage by stage (done, late, blocked), the roll-call board,
the log and the timeline, and the forms that change them. The live part (room_live) is pushed
to every open page after each change (room_stream); an htmx form answers with it at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep
from vigil.core.errors import DomainError, Invalid
from vigil.core.forms import aware
from vigil.core.localisation import locale_of, zone_of
from vigil.core.pages import (
    SignedInDep,
    Viewer,
    is_htmx,
    page_router,
    parse_form,
    redirect,
    render,
    tr,
    undo,
)
from vigil.playbooks import reopening, rollcall, service
from vigil.playbooks.room_live import room_context
from vigil.playbooks.schemas import (
    ActivationCreate,
    LogEntryCreate,
    RollCallAnswer,
    TaskChange,
    Via,
)

router = page_router()
ROOM_TIMELINE_ITEMS = 40
FormStr = Annotated[str, Form()]


def _room(
    request: Request,
    session: Session,
    viewer: Viewer,
    incident_id: int,
    *,
    fragment: bool,
    error: DomainError | None = None,
) -> Response:
    settings = request.app.state.settings
    context = room_context(session, viewer, incident_id, settings.secret_key, locale_of(request))
    context["error"] = error
    template = "playbooks/_room_live.html" if fragment else "playbooks/room.html"
    return render(request, template, context, status_code=error.status if error else 200)


def _after(
    request: Request, session: Session, viewer: Viewer, incident_id: int, message: str
) -> Response:
    if is_htmx(request):
        return _room(request, session, viewer, incident_id, fragment=True)
    return redirect(f"/incidents/{incident_id}/room", request, message)


def _failed(
    request: Request, session: Session, viewer: Viewer, incident_id: int, exc: DomainError
) -> Response:
    undo(session, exc)
    return _room(request, session, viewer, incident_id, fragment=is_htmx(request), error=exc)


@router.get("/incidents/{incident_id:int}/room")
def room_page(
    request: Request, incident_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The incident room: playbook, roll-call, log and timeline, updated live."""
    return _room(request, session, viewer, incident_id, fragment=False)


@router.post("/incidents/{incident_id:int}/room/activate")
def activate(
    request: Request,
    incident_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    template_code: FormStr = "",
) -> Response:
    """Activate the chosen playbook (coordinators)."""
    try:
        data = parse_form(ActivationCreate, template_code=template_code)
        service.activate(
            session=session,
            principal=viewer.principal,
            incident_id=incident_id,
            data=data,
            source="page",
        )
    except DomainError as exc:
        return _failed(request, session, viewer, incident_id, exc)
    return _after(request, session, viewer, incident_id, tr(request, "The playbook is active."))


@router.post("/incidents/{incident_id:int}/room/tasks/{task_id:int}")
def change_task(
    request: Request,
    incident_id: int,
    task_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    version: FormStr = "",
    status: FormStr = "",
    assignee_id: FormStr = "",
) -> Response:
    """Change a task's status or assignee, on the version of it the page showed."""
    try:
        if not version.isdigit():
            raise Invalid("version", "reload the room: the form lacks the task's version")
        values: dict[str, Any] = {"version": int(version)}
        if status:
            values["status"] = status
        if assignee_id == "none":
            values["unassign"] = True
        elif assignee_id:
            values["assignee_id"] = assignee_id
        change = parse_form(TaskChange, **values)
        service.change_task(
            session=session,
            principal=viewer.principal,
            incident_id=incident_id,
            task_id=task_id,
            change=change,
            source="page",
        )
    except DomainError as exc:
        return _failed(request, session, viewer, incident_id, exc)
    return _after(request, session, viewer, incident_id, tr(request, "The task is saved."))


@router.post("/incidents/{incident_id:int}/room/log")
def add_log(
    request: Request,
    incident_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    text: FormStr = "",
    at: FormStr = "",
    zone: FormStr = "",
    corrects_id: FormStr = "",
) -> Response:
    """Write in the log; the time defaults to now, a typed one is in the reader's zone."""
    try:
        when = aware(at, zone or zone_of(request), field_name="at") if at else None
        data = parse_form(LogEntryCreate, text=text, at=when, corrects_id=corrects_id or None)
        service.log_entry(
            session=session,
            principal=viewer.principal,
            incident_id=incident_id,
            data=data,
            source="page",
        )
    except DomainError as exc:
        return _failed(request, session, viewer, incident_id, exc)
    return redirect(f"/incidents/{incident_id}/room", request, tr(request, "Written in the log."))


@router.post("/incidents/{incident_id:int}/room/criteria/{code}")
def set_criterion(
    request: Request,
    incident_id: int,
    code: str,
    session: SessionDep,
    viewer: SignedInDep,
    met: FormStr = "",
) -> Response:
    """Mark a reopening criterion met or not met (coordinators)."""
    try:
        reopening.set_criterion(
            session=session,
            principal=viewer.principal,
            incident_id=incident_id,
            code=code,
            met=met == "yes",
            source="page",
        )
    except DomainError as exc:
        return _failed(request, session, viewer, incident_id, exc)
    return _after(request, session, viewer, incident_id, tr(request, "The criterion is saved."))


@router.post("/incidents/{incident_id:int}/room/roll-call")
def start_roll_call(
    request: Request, incident_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Start a roll-call of the incident's site (coordinators)."""
    try:
        rollcall.start_roll_call(
            session=session,
            principal=viewer.principal,
            settings=request.app.state.settings,
            incident_id=incident_id,
            source="page",
        )
    except DomainError as exc:
        return _failed(request, session, viewer, incident_id, exc)
    return _after(request, session, viewer, incident_id, tr(request, "The roll-call has started."))


@router.post("/incidents/{incident_id:int}/room/roll-call/{roll_call_id:int}")
def answer_roll_call(
    request: Request,
    incident_id: int,
    roll_call_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    answer: FormStr = "",
    entry_id: FormStr = "",
    name: FormStr = "",
) -> Response:
    """Check in, or record someone's answer given by phone (coordinators)."""
    try:
        data = parse_form(
            RollCallAnswer, answer=answer, entry_id=entry_id or None, name=name.strip() or None
        )
        rollcall.answer(
            session=session,
            principal=viewer.principal,
            incident_id=incident_id,
            roll_call_id=roll_call_id,
            data=data,
            via=Via.page,
        )
    except DomainError as exc:
        return _failed(request, session, viewer, incident_id, exc)
    return _after(request, session, viewer, incident_id, tr(request, "The answer is recorded."))
