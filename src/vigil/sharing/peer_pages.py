"""HTML pages of peer links: the list with the form to add one, a link's form, its removal with
the choice of what becomes of the records it brought (counted first); and the peers table of
the sharing page, with each link's health and a small chart of objects in and out per day
(inline SVG drawn here, no script)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from babel.dates import format_timedelta
from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.db import utcnow
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError
from vigil.core.localisation import locale_of
from vigil.core.pages import (
    SignedInDep,
    Viewer,
    page_router,
    parse_form,
    redirect,
    render,
    tr,
    undo,
)
from vigil.core.policy import SYSTEM, Role
from vigil.orgs import directory
from vigil.orgs import service as orgs_service
from vigil.sharing import peers
from vigil.sharing.peer_models import Direction
from vigil.sharing.peer_schemas import (
    PUSHABLE_TLP,
    PeerCreate,
    PeerRead,
    PeerRemoval,
    PeerUpdate,
)

router = page_router()
ERROR_SHOWN = 120  # characters of a last error in the table
CHART_HEIGHT = 24
BAR_WIDTH = 5
Ids = Annotated[list[int], Form()]


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    kind: str  # "in" or "out"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    label: str


@dataclass(frozen=True)
class PeerRow:
    peer: PeerRead
    lag: str
    error: str
    chart: Chart


def _chart(request: Request, days: Sequence[peers.DayTraffic]) -> Chart:
    """Two thin bars per day (in, then out), scaled to the busiest day; the numbers in words
    for screen readers."""
    top = max([1, *(d.objects_in for d in days), *(d.objects_out for d in days)])
    bars: list[Bar] = []
    for i, day in enumerate(days):
        for j, (kind, count) in enumerate((("in", day.objects_in), ("out", day.objects_out))):
            height = round(count * CHART_HEIGHT / top) if count else 0
            if count and not height:
                height = 1
            x = i * (2 * BAR_WIDTH + 2) + j * BAR_WIDTH
            bars.append(Bar(x, CHART_HEIGHT - height, height, kind))
    label = tr(
        request,
        "Objects per day over the last %(days)s days, oldest first: in %(ins)s; out %(outs)s",
        days=len(days),
        ins=", ".join(str(d.objects_in) for d in days),
        outs=", ".join(str(d.objects_out) for d in days),
    )
    return Chart(len(days) * (2 * BAR_WIDTH + 2), CHART_HEIGHT, tuple(bars), label)


def _lag(request: Request, peer: PeerRead, now: dt.datetime) -> str:
    if peer.last_success_at is None:
        return tr(request, "never reached")
    since = now - peer.last_success_at.replace(tzinfo=peer.last_success_at.tzinfo or dt.UTC)
    return format_timedelta(max(since, dt.timedelta()), locale=locale_of(request))


def peer_rows(request: Request, session: Session, viewer: Viewer) -> list[PeerRow]:
    """The links the viewer sees, each with its health and traffic (the sharing page's table)."""
    found = peers.list_peers(session=session, principal=viewer.principal)
    now = utcnow()
    traffic = peers.traffic(
        session=session, peer_ids=[p.id for p in found], today=now.astimezone(dt.UTC).date()
    )
    return [
        PeerRow(
            peer=p,
            lag=_lag(request, p, now),
            error=p.last_error[:ERROR_SHOWN] + ("…" if len(p.last_error) > ERROR_SHOWN else ""),
            chart=_chart(request, traffic[p.id]),
        )
        for p in found
    ]


def _choices(session: Session, viewer: Viewer) -> dict[str, Any]:
    """The organisations a viewer may link (those they coordinate; every local one for the
    platform admin) and the networks of those."""
    principal = viewer.principal
    if principal.is_platform_admin:
        orgs = [
            (o.id, o.name)
            for o in orgs_service.list_organisations(session=session, principal=principal)
            if not o.remote
        ]
    else:
        orgs = [(o.id, o.name) for o in viewer.orgs if o.role.at_least(Role.coordinator)]
    ids = {o for o, _ in orgs}
    networks = [
        (n.id, n.name)
        for n in orgs_service.list_networks(session=session, principal=principal)
        if ids & set(n.organisation_ids)
    ]
    return {"org_choices": orgs, "network_choices": networks}


def _names(session: Session, found: Sequence[PeerRead]) -> dict[str, Any]:
    org_ids = {o for p in found for o in p.organisations}
    networks = orgs_service.list_networks(session=session, principal=SYSTEM)
    return {
        "org_names": directory.organisation_names(session=session, org_ids=org_ids),
        "network_names": {n.id: n.name for n in networks},
    }


def _list_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Response:
    found = peers.list_peers(session=session, principal=viewer.principal)
    context: dict[str, Any] = {
        "peers": found,
        "form": form or {},
        "error": error,
        "directions": list(Direction),
        "tlps": PUSHABLE_TLP,
        **_choices(session, viewer),
        **_names(session, found),
    }
    return render(
        request, "sharing/peers.html", context, status_code=error.status if error else 200
    )


@router.get("/sharing/peers")
def peers_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """The peer links of the organisations you coordinate, and the form to add one."""
    return _list_page(request, session, viewer)


def _form_values(
    name: Annotated[str, Form()] = "",
    api_root: Annotated[str, Form()] = "",
    collection_id: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    direction: Annotated[str, Form()] = Direction.pull.value,
    max_push_tlp: Annotated[str, Form()] = "green",
    every_seconds: Annotated[str, Form()] = "300",
    organisations: Ids = [],  # noqa: B006 - FastAPI copies it
    networks: Ids = [],  # noqa: B006
) -> dict[str, Any]:
    """The fields of the add and the edit form, as typed (the secret apart: never shown again)."""
    return {
        "name": name,
        "api_root": api_root,
        "collection_id": collection_id,
        "username": username,
        "direction": direction,
        "max_push_tlp": max_push_tlp,
        "every_seconds": every_seconds,
        "organisations": organisations,
        "networks": networks,
    }


PeerFormDep = Annotated[dict[str, Any], Depends(_form_values)]


@router.post("/sharing/peers")
def add_peer(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    values: PeerFormDep,
    secret: Annotated[str, Form()] = "",
) -> Response:
    """Register a peer link; audited. On a problem the form comes back, without the secret."""
    try:
        data = parse_form(PeerCreate, **values, secret=secret or None)
        made = peers.create_peer(
            session=session, principal=viewer.principal, settings=settings, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        return _list_page(request, session, viewer, form=values, error=exc)
    return redirect(
        "/sharing/peers", request, tr(request, "The peer %(name)s is added.", name=made.name)
    )


def _edit_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    peer: PeerRead,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Response:
    context: dict[str, Any] = {
        "peer": peer,
        "form": form or peer.model_dump(mode="json"),
        "error": error,
        "directions": list(Direction),
        "tlps": PUSHABLE_TLP,
        **_choices(session, viewer),
        **_names(session, [peer]),
    }
    return render(request, "sharing/peer.html", context, status_code=error.status if error else 200)


@router.get("/sharing/peers/{peer_id}")
def peer_page(peer_id: int, request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """One link: its form (its coordinators), its health."""
    found = peers.get_peer(session=session, principal=viewer.principal, peer_id=peer_id)
    return _edit_page(request, session, viewer, found)


@router.post("/sharing/peers/{peer_id}")
def change_peer(
    peer_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    values: PeerFormDep,
    secret: Annotated[str, Form()] = "",
    enabled: Annotated[str, Form()] = "",
    records: Annotated[str, Form()] = "",
) -> Response:
    """Change a link; the secret changes only when a new one is typed."""
    found = peers.get_peer(session=session, principal=viewer.principal, peer_id=peer_id)
    extra: dict[str, Any] = {"enabled": bool(enabled)}
    if secret:
        extra["secret"] = secret
    if records:
        extra["records"] = records
    try:
        data = parse_form(PeerUpdate, **values, **extra)
        peers.update_peer(
            session=session,
            principal=viewer.principal,
            settings=settings,
            peer_id=peer_id,
            data=data,
        )
    except DomainError as exc:
        undo(session, exc)
        form = {**values, "enabled": bool(enabled), "records": records}
        return _edit_page(request, session, viewer, found, form=form, error=exc)
    return redirect(
        "/sharing/peers", request, tr(request, "The peer %(name)s is saved.", name=values["name"])
    )


@router.get("/sharing/peers/{peer_id}/remove")
def remove_page(
    peer_id: int, request: Request, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The confirmation step: how many records the peer brought, and what becomes of them."""
    found = peers.get_peer(session=session, principal=viewer.principal, peer_id=peer_id)
    count = peers.brought(session=session, principal=viewer.principal, peer_id=peer_id)
    context = {"peer": found, "count": count, "error": None}
    return render(request, "sharing/peer_remove.html", context)


@router.post("/sharing/peers/{peer_id}/remove")
def remove_peer(
    peer_id: int,
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    records: Annotated[str, Form()] = "",
) -> Response:
    """Remove the link, keeping or withdrawing the records it brought; audited."""
    found = peers.get_peer(session=session, principal=viewer.principal, peer_id=peer_id)
    try:
        choice = parse_form(PeerRemoval, records=records).records
        withdrawn = peers.remove_peer(
            session=session, principal=viewer.principal, peer_id=peer_id, records=choice
        )
    except DomainError as exc:
        undo(session, exc)
        count = peers.brought(session=session, principal=viewer.principal, peer_id=peer_id)
        context = {"peer": found, "count": count, "error": exc}
        return render(request, "sharing/peer_remove.html", context, status_code=exc.status)
    message = tr(request, "The peer %(name)s is removed.", name=found.name)
    if withdrawn:
        message += " " + tr(request, "%(count)s records withdrawn.", count=withdrawn)
    return redirect("/sharing/peers", request, message)
