"""HTML pages of alerts: composing with a map and live preview counts, one alert with its CAP
document (in the reader's language, alerts.languages), answer form, live board, Update and
Cancel. The list is alerts.list_pages; importing a CAP file is alerts.import_pages."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.alerts import acks, imports, service
from vigil.alerts.board_pages import board_context
from vigil.alerts.cap import Certainty, ResponseType, Severity, Urgency
from vigil.alerts.cap_details import details_of
from vigil.alerts.compose_parts import compose_sources, prefilled, tell_sent
from vigil.alerts.documents import read_alert
from vigil.alerts.forms import (
    CAP_CHOICES,
    EXPIRY_HOURS,
    alert_from_form,
    area_from_form,
    carried_fields,
    form_values,
    send_key,
)
from vigil.alerts.languages import shown_in
from vigil.alerts.models import Answer, Via
from vigil.alerts.reached import preview_with_sites
from vigil.alerts.schemas import COMPOSED_STATUSES, AlertChange, AlertCreate, AlertRead, Preview
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError, Invalid
from vigil.core.forms import FormDataDep
from vigil.core.localisation import locale_of
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
from vigil.core.policy import DEFAULT_TLP, Role
from vigil.incidents.service import get_incident
from vigil.orgs import service as orgs_service
from vigil.orgs.recipients import TLP_ORDER
from vigil.sites.kinds import SiteType

router = page_router()


def _compose(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Response:
    problems = dict(error.problems) if isinstance(error, Invalid) else {}
    context = {
        "form": form or {"tlp": DEFAULT_TLP.value, "expires_hours": "4", "circle_radius_km": "2"},
        "error": error,
        "missing": [name for name in CAP_CHOICES if name in problems],
        "statuses": list(COMPOSED_STATUSES),
        "tlps": TLP_ORDER,
        "urgencies": list(Urgency),
        "severities": list(Severity),
        "certainties": list(Certainty),
        "responses": list(ResponseType),
        "site_types": list(SiteType),
        "networks": orgs_service.acting_networks(session, viewer.principal),
        "expiry_hours": EXPIRY_HOURS,
        "compose_sources": compose_sources(request),
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
    From an incident room (`?incident_id=`) it starts at its place; also from compose_parts."""
    if incident_id is None:
        given = prefilled(request, session, viewer.principal, request.query_params)
        return _compose(request, session, viewer, form=given or None)
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
    """The preview under the form, refreshed as the area and filters change (htmx): totals, and
    the reached sites the coordinator may read by name. Who is reached does not depend on
    urgency, severity or certainty, so it is counted before they are chosen."""
    values = form_values(form)
    for name in CAP_CHOICES:
        values[name] = values.get(name) or "Unknown"
    try:
        data = alert_from_form(values)
        counted, sites = preview_with_sites(session=session, principal=viewer.principal, data=data)
    except DomainError as exc:
        return render(request, "alerts/_preview.html", {"error": exc, "preview": None})
    context = {"error": None, "preview": counted, "sites": sites}
    return render(request, "alerts/_preview.html", context)


@router.post("/alerts/new")
def send_new_alert(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    form: FormDataDep,
) -> Response:
    """Sending takes two steps: the form shows a summary to confirm (`step=review`, what the
    form's button posts), and only the summary's button sends (`step=send`); `step=edit` goes
    back to the form. The values travel in the summary's hidden fields, so nothing is lost."""
    values = form_values(form)
    step = str(form.get("step") or "review")
    key = send_key(values)
    if step == "edit":
        return _compose(request, session, viewer, form=values)
    if step == "send":  # a second click on the confirmation: show what the first one sent
        done = service.by_key(session=session, principal=viewer.principal, key=key)
        if done is not None:
            already = tr(request, "This alert was already sent.")
            return redirect(f"/alerts/{done.id}", request, already)
    try:
        data = alert_from_form(values)
        if step != "send":
            reach = service.preview(session=session, principal=viewer.principal, data=data)
            return _confirm(
                request,
                session,
                viewer,
                alert=data,
                status=data.status.value,
                reach=reach,
                carried=carried_fields(values),
                action="/alerts/new",
            )
        alert = service.create_alert(
            session=session, principal=viewer.principal, settings=settings, data=data, key=key
        )
        queued = service.send_alert(
            session=session, principal=viewer.principal, settings=settings, alert_id=alert.id
        )
        tell_sent(request, session, viewer.principal, values, alert.id)
    except DomainError as exc:
        undo(session, exc)
        return _compose(request, session, viewer, form=values, error=exc)
    message = tr(request, "The alert is sent: %(n)s messages are on their way.", n=queued)
    return redirect(f"/alerts/{alert.id}", request, message)


def _confirm(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    alert: AlertCreate | AlertRead,
    status: str,
    reach: Preview,
    carried: list[tuple[str, str]],
    action: str,
    back: str | None = None,
) -> Response:
    """The summary to confirm before sending: a composed alert, or a draft (`back` to it)."""
    names = dict(orgs_service.acting_networks(session, viewer.principal))
    context = {
        "alert": alert,
        "status": status,
        "reach": reach,
        "carried": carried,
        "action": action,
        "back": back,
        "networks": [names.get(n, f"#{n}") for n in alert.network_ids],
    }
    return render(request, "alerts/confirm.html", context)


@router.get("/alerts/{alert_id:int}")
def alert_page(
    request: Request,
    alert_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    show: str = "all",
) -> Response:
    """One alert: what to do, your answer (or why none is wanted any more), and for its
    organisation the live board (`show`: all, need_help, unanswered or failed sites)."""
    return _detail(request, session, viewer, alert_id, board_show=show, settings=settings)


def _detail(
    request: Request,
    session: Session,
    viewer: Viewer,
    alert_id: int,
    *,
    error: DomainError | None = None,
    form: dict[str, Any] | None = None,
    board_show: str = "all",
    settings: Settings | None = None,
) -> Response:
    alert = service.get_alert(session=session, principal=viewer.principal, alert_id=alert_id)
    principal = viewer.principal
    read = read_alert(session=session, principal=principal, alert=alert)
    context = {
        "alert": read,
        "received": details_of(alert) if read.imported else None,
        "expired": read.expires_all is not None and read.expires_all <= utcnow(),
        "error": error,
        "form": form or {"area_desc": alert.area_desc},
        "answerable": acks.answerable_sites(session, principal, alert.id),
        "answers": list(Answer),
        "closed": acks.closed_to_answers(session, alert),
        "board": board_context(
            session, principal, settings or request.app.state.settings, alert.id, board_show
        )
        if principal.has_role(alert.owner_org_id, Role.analyst)
        else None,
        "may_change": principal.has_role(alert.owner_org_id, Role.coordinator)
        and alert.state in ("sent", "draft"),
        "severities": list(Severity),
        "shown": shown_in(alert, locale_of(request)),
    }
    status = error.status if error else 200
    return render(request, "alerts/detail.html", context, status_code=status)


@router.post("/alerts/{alert_id:int}/acknowledge")
def acknowledge(
    request: Request, alert_id: int, session: SessionDep, viewer: SignedInDep, form: FormDataDep
) -> Response:
    site = str(form.get("site_id") or "")
    try:
        answer = Answer(str(form.get("answer") or ""))
    except ValueError:
        raise Invalid("answer", "choose received, acting or need help") from None
    try:
        acks.acknowledge(
            session=session,
            principal=viewer.principal,
            alert_id=alert_id,
            answer=answer,
            site_id=int(site) if site.isdigit() else None,
            via=Via.page,
        )
    except acks.AnswerRefused as refused:  # the alert's page says why
        undo(session, refused)
        text = tr(request, "Your answer was not recorded: this alert no longer takes answers.")
        return redirect(f"/alerts/{alert_id}", request, text, "error")
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
    """Send an Update (new instruction or severity) or a Cancel (with what to do now, if
    given, instead of the cancelled alert's instruction)."""
    kind = "Cancel" if form.get("action") == "cancel" else "Update"
    values = {k: str(form.get(k) or "").strip() for k in ("instruction", "severity")}
    if kind == "Cancel":
        values.pop("severity")
    given = {k: v for k, v in values.items() if v}
    change = parse_form(AlertChange, **given) if given or kind == "Update" else None
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


@router.post("/alerts/{alert_id:int}/send")
def send_draft(
    request: Request,
    alert_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    form: FormDataDep,
) -> Response:
    """Re-target a draft (site types; the area where the message gave only codes) and send it
    once its summary is confirmed (`step=send`, as on the compose form); an expired alert needs
    the confirmation box ticked. The re-targeting is kept on the draft from the review on."""
    values = form_values(form)
    confirm_expired = form.get("confirm_expired") == "yes"
    try:
        alert = service.get_alert(session=session, principal=viewer.principal, alert_id=alert_id)
        types = [str(t) for t in form.getlist("site_types") if str(t) in set(SiteType)]
        imports.retarget(
            session=session,
            principal=viewer.principal,
            alert=alert,
            site_types=types,
            network_ids=json.loads(alert.network_ids),  # the page narrows by type only
            area=area_from_form(values),
        )
        if form.get("step") != "send":
            service.check_sendable(alert, confirm_expired=confirm_expired)
            reach = service.preview_draft(
                session=session, principal=viewer.principal, alert_id=alert_id, site_types=types
            )
            carried = [("site_types", t) for t in types]
            if confirm_expired:
                carried.append(("confirm_expired", "yes"))
            return _confirm(
                request,
                session,
                viewer,
                alert=read_alert(session=session, principal=viewer.principal, alert=alert),
                status=alert.cap_status,
                reach=reach,
                carried=carried,
                action=f"/alerts/{alert_id}/send",
                back=f"/alerts/{alert_id}",
            )
        queued = service.send_alert(
            session=session,
            principal=viewer.principal,
            settings=settings,
            alert_id=alert_id,
            confirm_expired=confirm_expired,
        )
    except DomainError as exc:
        undo(session, exc)
        return _detail(request, session, viewer, alert_id, error=exc, form=values)
    message = tr(request, "The alert is sent: %(n)s messages are on their way.", n=queued)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": f"/alerts/{alert_id}"})
    return redirect(f"/alerts/{alert_id}", request, message)
