"""The triage page's "Received from partners" section: received incidents the duplicate engine
takes for one of the acting organisation's, with its coordinators' decisions ("same event",
"not the same"; adoption is the incident page's form). With htmx the record's card is replaced
by the outcome; without it the page reloads with a message."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep
from vigil.core.domains import parts_of
from vigil.core.errors import DomainError, Forbidden, Invalid
from vigil.core.forms import whole_number
from vigil.core.pages import (
    FormStr,
    SignedInDep,
    Viewer,
    is_htmx,
    page_router,
    redirect,
    render,
    shown_error,
    tr,
    undo,
)
from vigil.core.policy import Role
from vigil.incidents import received_triage
from vigil.incidents.provenance import CHANNELS
from vigil.incidents.received_triage import ReceivedDuplicate

router = page_router()


def may_decide(viewer: Viewer) -> bool:
    """Coordinators of the acting organisation decide on what it received."""
    principal = viewer.principal
    return principal.has_role(principal.acting_org_id, Role.coordinator)


def received_section(
    request: Request, session: Session, viewer: Viewer
) -> list[ReceivedDuplicate] | None:
    """The section's records, or None when the viewer does not decide for the acting
    organisation (the section is then left out)."""
    if not may_decide(viewer):
        return None
    return received_triage.received_duplicates(
        session=session, principal=viewer.principal, channels=parts_of(request, CHANNELS)
    )


def _decided(
    request: Request, incident_id: int, message: str, error: DomainError | None
) -> Response:
    if not is_htmx(request):
        url = "/incidents/triage#received"
        return redirect(url, request, message, "error" if error else "info")
    context = {"received_id": incident_id, "message": message, "error": error}
    status = error.status if error else 200
    return render(request, "incidents/_received_done.html", context, status_code=status)


def _require_decider(viewer: Viewer) -> None:
    if not may_decide(viewer):
        raise Forbidden("Coordinators of your organisation decide on the records it received.")


@router.post("/incidents/triage/received/{incident_id:int}/same-event")
def same_event(
    request: Request,
    incident_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    local_incident_id: FormStr = "",
) -> Response:
    """Link a received incident to your organisation's incident of the same event."""
    _require_decider(viewer)
    try:
        local_id = whole_number(local_incident_id, field_name="local_incident_id", default=0)
        if not local_id:
            raise Invalid("local_incident_id", "name your organisation's incident")
        local = received_triage.link_same_event(
            session=session,
            principal=viewer.principal,
            incident_id=incident_id,
            local_incident_id=local_id,
        )
    except DomainError as exc:
        undo(session, exc)
        return _decided(request, incident_id, shown_error(request, exc), exc)
    message = tr(
        request,
        "Received incident #%(id)s is linked to #%(local)s as the same event.",
        id=incident_id,
        local=local.id,
    )
    return _decided(request, incident_id, message, None)


@router.post("/incidents/triage/received/{incident_id:int}/not-same")
def not_same(
    request: Request, incident_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Say a received incident is none of your organisation's incidents."""
    _require_decider(viewer)
    try:
        received_triage.dismiss(
            session=session, principal=viewer.principal, incident_id=incident_id
        )
    except DomainError as exc:
        undo(session, exc)
        return _decided(request, incident_id, shown_error(request, exc), exc)
    message = tr(
        request, "Received incident #%(id)s is not the same as any of yours.", id=incident_id
    )
    return _decided(request, incident_id, message, None)
