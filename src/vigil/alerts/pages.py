"""HTML pages of alerts: the list, composing with a map and live preview counts, one alert with
its CAP document, answer form, live board, Update and Cancel, and CAP import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.alerts import acks, imports, service
from vigil.alerts.cap import Certainty, ResponseType, Severity, Urgency
from vigil.alerts.documents import read_alert
from vigil.alerts.forms import EXPIRY_HOURS, alert_from_form, form_values
from vigil.alerts.models import Answer, Via
from vigil.alerts.schemas import AlertChange
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError, Invalid
from vigil.core.middleware import body_limit
from vigil.core.pages import SignedInDep, Viewer, is_htmx, page_router, redirect, render, tr, undo
from vigil.core.policy import DEFAULT_TLP
from vigil.core.sharing import TLP_ORDER
from vigil.incidents.forms import FormDataDep
from vigil.incidents.service import get_incident
from vigil.orgs import service as orgs_service
from vigil.orgs.models import Role
from vigil.sites.models import SiteType

router = page_router()


@router.get("/alerts")
def alerts_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """Current and past alerts you may read."""
    page = service.list_alerts(session=session, principal=viewer.principal, limit=100)
    may_compose = viewer.principal.has_role(viewer.principal.acting_org_id, Role.coordinator)
    return render(request, "alerts/list.html", {"page": page, "may_compose": may_compose})


def _compose(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Response:
    context = {
        "form": form or {"tlp": DEFAULT_TLP.value, "expires_hours": "4", "circle_radius_km": "2"},
        "error": error,
        "tlps": TLP_ORDER,
        "urgencies": list(Urgency),
        "severities": list(Severity),
        "certainties": list(Certainty),
        "responses": list(ResponseType),
        "site_types": list(SiteType),
        "networks": orgs_service.acting_networks(session, viewer.principal),
        "expiry_hours": EXPIRY_HOURS,
    }
    return render(request, "alerts/new.html", context, status_code=error.status if error else 200)


@router.get("/alerts/new")
def new_alert_page(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    incident_id: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Compose an alert: what, what to do, where (circle on the map, countries, cities), who.
    From an incident room (`?incident_id=`), it is about that incident and starts at its place."""
    if incident_id is None:
        return _compose(request, session, viewer)
    incident = get_incident(session=session, principal=viewer.principal, incident_id=incident_id)
    located = incident.lat is not None and incident.lon is not None
    form = {
        "tlp": DEFAULT_TLP.value,
        "expires_hours": "4",
        "incident_id": str(incident.id),
        "area_desc": incident.city,
        "circle_lat": str(incident.lat) if located else "",
        "circle_lon": str(incident.lon) if located else "",
        "circle_radius_km": "2" if located else "",
        "cities": "" if located else incident.city,
    }
    return _compose(request, session, viewer, form=form)


@router.post("/alerts/preview")
def preview_fragment(
    request: Request, session: SessionDep, viewer: SignedInDep, form: FormDataDep
) -> Response:
    """The preview line under the form, refreshed as the area and filters change (htmx)."""
    try:
        data = alert_from_form(form_values(form))
        counted = service.preview(session=session, principal=viewer.principal, data=data)
    except DomainError as exc:
        return render(request, "alerts/_preview.html", {"error": exc, "preview": None})
    return render(request, "alerts/_preview.html", {"error": None, "preview": counted})


@router.post("/alerts/new")
def send_new_alert(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    form: FormDataDep,
) -> Response:
    """Send the alert to every site it reaches, then show its board."""
    values = form_values(form)
    try:
        data = alert_from_form(values)
        alert = service.create_alert(
            session=session, principal=viewer.principal, settings=settings, data=data
        )
        queued = service.send_alert(
            session=session, principal=viewer.principal, settings=settings, alert_id=alert.id
        )
    except DomainError as exc:
        undo(session, exc)
        return _compose(request, session, viewer, form=values, error=exc)
    message = tr(request, "The alert is sent: %(n)s messages are on their way.", n=queued)
    return redirect(f"/alerts/{alert.id}", request, message)


@router.get("/alerts/{alert_id:int}")
def alert_page(
    request: Request, alert_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """One alert: what to do, your answer, and for its organisation the live board."""
    alert = service.get_alert(session=session, principal=viewer.principal, alert_id=alert_id)
    principal = viewer.principal
    context = {
        "alert": read_alert(session=session, principal=principal, alert=alert),
        "answerable": acks.answerable_sites(session, principal, alert.id),
        "answers": list(Answer),
        "board": acks.board(session=session, principal=principal, alert_id=alert.id)
        if principal.has_role(alert.owner_org_id, Role.analyst)
        else None,
        "may_change": principal.has_role(alert.owner_org_id, Role.coordinator)
        and alert.state in ("sent", "draft"),
        "severities": list(Severity),
    }
    return render(request, "alerts/detail.html", context)


@router.get("/alerts/{alert_id:int}/board")
def board_fragment(
    request: Request, alert_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The board alone, which the alert page reloads every few seconds."""
    found = acks.board(session=session, principal=viewer.principal, alert_id=alert_id)
    return render(request, "alerts/_board.html", {"board": found, "alert_id": alert_id})


@router.post("/alerts/{alert_id:int}/acknowledge")
def acknowledge(
    request: Request, alert_id: int, session: SessionDep, viewer: SignedInDep, form: FormDataDep
) -> Response:
    site = str(form.get("site_id") or "")
    try:
        answer = Answer(str(form.get("answer") or ""))
    except ValueError:
        raise Invalid("answer", "choose received, acting or need help") from None
    acks.acknowledge(
        session=session,
        principal=viewer.principal,
        alert_id=alert_id,
        answer=answer,
        site_id=int(site) if site.isdigit() else None,
        via=Via.page,
    )
    return redirect(f"/alerts/{alert_id}", request, tr(request, "Your answer is recorded."))


@router.post("/alerts/{alert_id:int}/change")
def change_alert(
    request: Request,
    alert_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    form: FormDataDep,
) -> Response:
    """Send an Update (new instruction or severity) or a Cancel."""
    kind = "Cancel" if form.get("action") == "cancel" else "Update"
    change = None
    if kind == "Update":
        values = {k: str(form.get(k) or "").strip() for k in ("instruction", "severity")}
        change = AlertChange.model_validate({k: v for k, v in values.items() if v})
    message, _ = service.follow_up(
        session=session,
        principal=viewer.principal,
        settings=settings,
        alert_id=alert_id,
        msg_type=kind,
        change=change,
    )
    text = (
        tr(request, "The cancellation is sent.")
        if kind == "Cancel"
        else tr(request, "The update is sent.")
    )
    return redirect(f"/alerts/{message.id}", request, text)


@router.get("/alerts/import")
def import_page(request: Request, viewer: SignedInDep) -> Response:
    return render(request, "alerts/import.html", {"error": None})


@router.post("/alerts/import")
@body_limit(lambda settings: settings.cap_max_bytes + 64 * 1024)
async def import_cap(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    document: Annotated[UploadFile, File()],
) -> Response:
    """Import a CAP file as a draft to review; errors name what is wrong in it."""
    data = await document.read(settings.cap_max_bytes + 1)
    try:
        alert = imports.import_cap(
            session=session, principal=viewer.principal, settings=settings, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        return render(request, "alerts/import.html", {"error": exc}, status_code=exc.status)
    return redirect(f"/alerts/{alert.id}", request, tr(request, "Imported as a draft."))


@router.post("/alerts/{alert_id:int}/send")
def send_draft(
    request: Request,
    alert_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    form: FormDataDep,
) -> Response:
    """Re-target a draft (site types) and send it."""
    alert = service.get_alert(session=session, principal=viewer.principal, alert_id=alert_id)
    types = [str(t) for t in form.getlist("site_types") if str(t) in set(SiteType)]
    imports.retarget(
        session=session, principal=viewer.principal, alert=alert, site_types=types, network_ids=[]
    )
    queued = service.send_alert(
        session=session, principal=viewer.principal, settings=settings, alert_id=alert_id
    )
    message = tr(request, "The alert is sent: %(n)s messages are on their way.", n=queued)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": f"/alerts/{alert_id}"})
    return redirect(f"/alerts/{alert_id}", request, message)
