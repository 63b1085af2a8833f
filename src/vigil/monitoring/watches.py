"""Watches: the terms, places and site aliases an organisation watches in the news. Its
coordinators manage them; its members read them (core.policy); the analysis job compiles them
(vigil.monitoring.watchlist)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import TLP, Principal, Role, acting_org, scope
from vigil.monitoring.models import Watch, WatchKind
from vigil.monitoring.watch_schemas import ALIAS_SEPARATOR, WatchCreate, WatchRead, aliases_of
from vigil.sites import directory as sites_directory

MANAGER_ROLE = Role.coordinator


def watch_read(watch: Watch) -> WatchRead:
    site = watch.kind == WatchKind.site.value
    return WatchRead(
        id=watch.id,
        kind=WatchKind(watch.kind),
        value="" if site else watch.value,
        aliases=aliases_of(watch.value) if site else [],
        site_id=watch.site_id,
        lat=watch.lat,
        lon=watch.lon,
        radius_km=watch.radius_km,
        owner_org_id=watch.owner_org_id,
        tlp=watch.tlp,
        created_at=watch.created_at,
    )


def list_watches(
    *, session: Session, principal: Principal, kind: WatchKind | None = None
) -> list[Watch]:
    """The watches the principal may read, of the organisation it acts for when it names one."""
    stmt = scope(select(Watch), Watch, principal)
    if principal.acting_org_id is not None:
        stmt = stmt.where(Watch.owner_org_id == principal.acting_org_id)
    if kind is not None:
        stmt = stmt.where(Watch.kind == kind.value)
    return list(session.scalars(stmt.order_by(Watch.kind, Watch.value, Watch.id)))


def get_watch(*, session: Session, principal: Principal, watch_id: int) -> Watch:
    watch = session.scalar(scope(select(Watch).where(Watch.id == watch_id), Watch, principal))
    if watch is None:
        raise NotFound("No watch with id %(id)s.", id=watch_id)
    return watch


def create_watch(*, session: Session, principal: Principal, data: WatchCreate) -> Watch:
    org_id = acting_org(principal, MANAGER_ROLE)
    watch = Watch(
        owner_org_id=org_id,
        author_id=principal.person_id,
        tlp=TLP.amber.value,
        kind=data.kind.value,
        radius_km=data.radius_km,
    )
    if data.kind == WatchKind.site:
        site = sites_directory.find_site(session=session, site_id=data.site_id or 0)
        if site is None or site.owner_org_id != org_id:
            raise Invalid("site_id", "must be a site of your organisation")
        watch.site_id = site.id
        watch.value = ALIAS_SEPARATOR.join(dict.fromkeys(data.aliases))
        watch.lat, watch.lon = site.lat, site.lon
    else:
        watch.value = data.value
        if data.kind == WatchKind.place:
            watch.lat, watch.lon = data.lat, data.lon
    session.add(watch)
    session.flush()
    audit.log_action(
        session,
        principal,
        "monitoring.watch.create",
        target_type="monitoring_watches",
        target_id=watch.id,
        org_id=org_id,
        detail={"kind": watch.kind},
    )
    return watch


def delete_watch(*, session: Session, principal: Principal, watch_id: int) -> None:
    watch = get_watch(session=session, principal=principal, watch_id=watch_id)
    if not principal.has_role(watch.owner_org_id, MANAGER_ROLE):
        raise Forbidden("Only the organisation's coordinators manage its watches.")
    audit.log_action(
        session,
        principal,
        "monitoring.watch.delete",
        target_type="monitoring_watches",
        target_id=watch.id,
        org_id=watch.owner_org_id,
        detail={"kind": watch.kind},
    )
    session.delete(watch)
