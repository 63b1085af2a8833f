"""JSON API of alerts: compose, preview, send, Update/Cancel, CAP documents and the Atom feed,
acknowledgements, the board, CAP import, the live event stream, webhooks and opt-ins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from vigil.alerts import acks, endpoints, feeds, imports, service
from vigil.alerts.channels import live
from vigil.alerts.documents import read_alert
from vigil.alerts.models import Via
from vigil.alerts.schemas import (
    AckCreate,
    AckRead,
    AlertChange,
    AlertCreate,
    AlertPage,
    AlertRead,
    Board,
    Preview,
    Retarget,
    SendResult,
    SubscriptionPut,
    WebhookCreate,
    WebhookRead,
)
from vigil.core.deps import OptionalPrincipalDep, PrincipalDep, SessionDep, SettingsDep
from vigil.core.localisation import locale_of
from vigil.core.middleware import body_limit
from vigil.core.openapi import sends

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
CAP_MEDIA = "application/cap+xml"


@router.get("", response_model=AlertPage)
def list_alerts(
    session: SessionDep,
    principal: PrincipalDep,
    current: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AlertPage:
    """Alerts you may read, newest first; `current`: sent and not expired."""
    return service.list_alerts(
        session=session, principal=principal, current_only=current, limit=limit, offset=offset
    )


@router.post("/preview", response_model=Preview)
def preview(data: AlertCreate, session: SessionDep, principal: PrincipalDep) -> Preview:
    """How many sites and people the alert would reach (totals only)."""
    return service.preview(session=session, principal=principal, data=data)


@router.post("", response_model=SendResult, status_code=201)
def create_alert(
    data: AlertCreate,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    send: bool = False,
) -> SendResult:
    """Compose an alert (coordinator); with `send=true` it is sent at once."""
    alert = service.create_alert(session=session, principal=principal, settings=settings, data=data)
    queued = 0
    if send:
        queued = service.send_alert(
            session=session, principal=principal, settings=settings, alert_id=alert.id
        )
    read = read_alert(session=session, principal=principal, alert=alert)
    return SendResult(alert=read, deliveries=queued)


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses=sends("text/event-stream", "Server-sent events"),
)
async def stream(request: Request, principal: PrincipalDep, settings: SettingsDep) -> Response:
    """Server-sent events: each alert you may read, as it is sent (open pages show a banner).

    A client that does not ask for `text/event-stream` (not an EventSource) gets the current
    alerts once and the stream ends."""
    listening = "text/event-stream" in request.headers.get("accept", "")
    return StreamingResponse(
        live.stream(
            settings.sqlalchemy_url,
            principal,
            locale=locale_of(request),
            is_disconnected=request.is_disconnected,
            lifetime=live.STREAM_SECONDS if listening else 0.0,
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/feed.atom", responses=sends("application/atom+xml", "Atom feed"))
def atom(
    request: Request, session: SessionDep, principal: OptionalPrincipalDep, settings: SettingsDep
) -> Response:
    """Atom feed of current alerts you may read (TLP:CLEAR ones for everyone)."""
    body = feeds.atom_feed(session=session, principal=principal, base_url=settings.public_url)
    return Response(body, media_type="application/atom+xml")


@router.post("/import", response_model=AlertRead, status_code=201)
@body_limit(lambda settings: settings.cap_max_bytes)
async def import_cap(
    request: Request, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> AlertRead:
    """Import a CAP document (1.2, 1.1 or 1.0; the request body) as a draft to review, re-target
    and send; an Update or Cancel is linked to the imported original it references."""
    data = await request.body()
    alert = imports.import_cap(session=session, principal=principal, settings=settings, data=data)
    return read_alert(session=session, principal=principal, alert=alert)


@router.get("/{alert_id:int}.cap.xml", responses=sends(CAP_MEDIA, "CAP 1.2 document"))
def cap_document(alert_id: int, session: SessionDep, principal: OptionalPrincipalDep) -> Response:
    """The alert as a CAP 1.2 document, once it is sent (a draft has none: 409)."""
    document = service.cap_document(session=session, principal=principal, alert_id=alert_id)
    return Response(document, media_type=CAP_MEDIA)


@router.get("/{alert_id:int}", response_model=AlertRead)
def get_alert(alert_id: int, session: SessionDep, principal: PrincipalDep) -> AlertRead:
    alert = service.get_alert(session=session, principal=principal, alert_id=alert_id)
    return read_alert(session=session, principal=principal, alert=alert)


@router.post("/{alert_id:int}/send", response_model=SendResult)
def send_alert(
    alert_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    confirm_expired: bool = False,
) -> SendResult:
    """Send a draft: the alert and all its deliveries are written together. An alert that has
    already expired is sent only with `confirm_expired=true` (409 otherwise)."""
    queued = service.send_alert(
        session=session,
        principal=principal,
        settings=settings,
        alert_id=alert_id,
        confirm_expired=confirm_expired,
    )
    alert = service.get_alert(session=session, principal=principal, alert_id=alert_id)
    read = read_alert(session=session, principal=principal, alert=alert)
    return SendResult(alert=read, deliveries=queued)


@router.post("/{alert_id:int}/retarget", response_model=AlertRead)
def retarget(
    alert_id: int, data: Retarget, session: SessionDep, principal: PrincipalDep
) -> AlertRead:
    """Narrow a draft (e.g. an imported one) to site types and networks before sending."""
    alert = service.get_alert(session=session, principal=principal, alert_id=alert_id)
    imports.retarget(
        session=session,
        principal=principal,
        alert=alert,
        site_types=[t.value for t in data.site_types],
        network_ids=data.network_ids,
        area=data.area,
    )
    return read_alert(session=session, principal=principal, alert=alert)


@router.post("/{alert_id:int}/update", response_model=SendResult, status_code=201)
def update_alert(
    alert_id: int,
    data: AlertChange,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> SendResult:
    """Send a CAP Update that references the alert and replaces it."""
    message, queued = service.follow_up(
        session=session,
        principal=principal,
        settings=settings,
        alert_id=alert_id,
        msg_type="Update",
        change=data,
    )
    read = read_alert(session=session, principal=principal, alert=message)
    return SendResult(alert=read, deliveries=queued)


@router.post("/{alert_id:int}/cancel", response_model=SendResult, status_code=201)
def cancel_alert(
    alert_id: int, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> SendResult:
    """Send a CAP Cancel that references the alert."""
    message, queued = service.follow_up(
        session=session,
        principal=principal,
        settings=settings,
        alert_id=alert_id,
        msg_type="Cancel",
    )
    read = read_alert(session=session, principal=principal, alert=message)
    return SendResult(alert=read, deliveries=queued)


@router.post("/{alert_id:int}/acknowledgements", response_model=AckRead, status_code=201)
def acknowledge(
    alert_id: int, data: AckCreate, session: SessionDep, principal: PrincipalDep
) -> AckRead:
    """Answer for your site: received, acting or need_help. An alert that expired, was
    cancelled or was replaced by an update (and a cancellation itself) takes no answer: 409
    saying why, with a `successor-version` link to the update to answer."""
    ack = acks.acknowledge(
        session=session,
        principal=principal,
        alert_id=alert_id,
        answer=data.answer,
        site_id=data.site_id,
        via=Via.api,
    )
    return AckRead(
        id=ack.id, alert_id=ack.alert_id, site_id=ack.site_id, answer=ack.answer, via=ack.via
    )


@router.get("/{alert_id:int}/board", response_model=Board)
def board(alert_id: int, session: SessionDep, principal: PrincipalDep) -> Board:
    """Delivered / acknowledged / failed per site, need help on top."""
    return acks.board(session=session, principal=principal, alert_id=alert_id)


hooks_router = APIRouter(prefix="/api/v1/alert-webhooks", tags=["alerts"])


@hooks_router.get("", response_model=list[WebhookRead])
def list_webhooks(session: SessionDep, principal: PrincipalDep) -> list[WebhookRead]:
    """Your organisation's endpoints (org admins)."""
    return [
        WebhookRead(id=h.id, url=h.url, active=h.active)
        for h in endpoints.list_webhooks(session=session, principal=principal)
    ]


@hooks_router.post("", response_model=WebhookRead, status_code=201)
def add_webhook(
    data: WebhookCreate, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> WebhookRead:
    """Register an endpoint; the answer holds its signing secret, shown this once."""
    hook, secret = endpoints.add_webhook(
        session=session, principal=principal, settings=settings, url=data.url
    )
    return WebhookRead(id=hook.id, url=hook.url, active=hook.active, secret=secret)


@hooks_router.delete("/{webhook_id:int}", status_code=204)
def remove_webhook(webhook_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    endpoints.remove_webhook(session=session, principal=principal, webhook_id=webhook_id)
    return Response(status_code=204)


@router.put("/subscription", status_code=204)
def subscribe(data: SubscriptionPut, session: SessionDep, principal: PrincipalDep) -> Response:
    """Opt in or out of alert e-mails for your organisation's sites."""
    endpoints.subscribe(
        session=session, principal=principal, org_id=data.org_id, on=data.subscribed
    )
    return Response(status_code=204)
