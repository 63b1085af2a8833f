"""The coordinators' triage queue: new reports oldest first, each with its likely duplicates and
one-click decisions (new incident, attach to an incident, reject with a reason). With htmx the
report's card is replaced by the outcome; without it the page reloads with a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError, Forbidden
from vigil.core.forms import moment, whole_number
from vigil.core.pages import (
    FormStr,
    SignedInDep,
    Viewer,
    is_htmx,
    page_router,
    parse_form,
    redirect,
    render,
    shown_error,
    tr,
    undo,
)
from vigil.core.policy import Role
from vigil.incidents import duplicates, service
from vigil.incidents import reports as reports_service
from vigil.incidents.duplicate_schemas import Candidate
from vigil.incidents.models import Incident, Report
from vigil.incidents.received_triage_pages import received_section
from vigil.incidents.schemas import ReportRead, TriageDecision
from vigil.orgs.recipients import recipients_of

router = page_router()

QUEUE_LIMIT = 100


@dataclass(frozen=True)
class QueueItem:
    """One report of the queue as the page shows it."""

    report: ReportRead
    occurred_from: Any
    duplicates: list[Candidate]
    # Shared with recipients: attaching it then asks what to do with them.
    has_recipients: bool


def _queue_items(
    session: Session, viewer: Viewer, settings: Settings, reports: list[Report]
) -> list[QueueItem]:
    reads = reports_service.report_reads(
        session=session, principal=viewer.principal, reports=reports, settings=settings
    )
    shared = recipients_of(session, Report, [r.id for r in reports])
    items = []
    for report, read in zip(reports, reads, strict=True):
        try:
            found = duplicates.report_candidates(
                session=session, principal=viewer.principal, report_id=report.id
            )
        except DomainError:
            found = []  # a report too sparse to compare (e.g. no valid time) has no suggestions
        recipients = shared[report.id]
        has_recipients = bool(recipients.organisation_ids or recipients.person_ids)
        items.append(QueueItem(read, moment(read.data.get("occurred_from")), found, has_recipients))
    return items


def _require_triage(viewer: Viewer) -> None:
    if not any(role.at_least(Role.coordinator) for role in viewer.principal.roles.values()):
        raise Forbidden("The triage queue is for coordinators.")


@router.get("/incidents/triage")
def triage_page(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: SignedInDep
) -> Response:
    """New reports of your organisations, oldest first, with likely duplicates; then the
    received incidents likely the same as your organisation's."""
    _require_triage(viewer)
    reports = reports_service.triage_queue(
        session=session, principal=viewer.principal, limit=QUEUE_LIMIT
    )
    items = _queue_items(session, viewer, settings, reports)
    context = {
        "items": items,
        "limit": QUEUE_LIMIT,
        "received": received_section(request, session, viewer),
    }
    return render(request, "incidents/triage.html", context)


def _decided(
    request: Request,
    session: Session,
    viewer: Viewer,
    settings: Settings,
    report_id: int,
    *,
    incident: Incident | None,
    action: str,
    error: DomainError | None,
) -> Response:
    """htmx gets the report's card back, showing the outcome or the error; others a page."""
    if error is None:
        if action == "reject":
            message = tr(request, "Report #%(id)s is rejected.", id=report_id)
        elif action == "attach" and incident is not None:
            message = tr(
                request,
                "Report #%(id)s is attached to incident #%(incident)s.",
                id=report_id,
                incident=incident.id,
            )
        else:
            message = tr(
                request,
                "Incident #%(incident)s is made from report #%(id)s.",
                id=report_id,
                incident=incident.id if incident else 0,
            )
    else:
        message = shown_error(request, error)
    if not is_htmx(request):
        return redirect("/incidents/triage", request, message, "error" if error else "info")
    item = None
    if error is not None:
        report = reports_service.get_report(
            session=session, principal=viewer.principal, report_id=report_id
        )
        item = _queue_items(session, viewer, settings, [report])[0]
    context = {
        "item": item,
        "report_id": report_id,
        "incident": incident,
        "action": action,
        "error": error,
        "message": message,
    }
    status = error.status if error else 200
    return render(request, "incidents/_triage_item.html", context, status_code=status)


@router.post("/incidents/triage/{report_id:int}")
def decide(
    request: Request,
    report_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    action: FormStr = "",
    incident_id: FormStr = "",
    reason: FormStr = "",
    report_recipients: FormStr = "",
) -> Response:
    """Make a new incident of the report, attach it to an incident, or reject it."""
    incident: Incident | None = None
    error: DomainError | None = None
    try:
        number = whole_number(incident_id, field_name="incident_id", default=0) or None
        attach = action == "attach"
        decision = parse_form(
            TriageDecision,
            action=action,
            incident_id=number if attach else None,
            reason=reason,
            report_recipients=(report_recipients or None) if attach else None,
        )
        incident = service.triage(
            session=session, principal=viewer.principal, report_id=report_id, decision=decision
        )
    except DomainError as exc:
        undo(session, exc)
        error = exc
    return _decided(
        request,
        session,
        viewer,
        settings,
        report_id,
        incident=incident,
        action=action,
        error=error,
    )
