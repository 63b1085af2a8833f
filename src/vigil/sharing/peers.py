"""Peer links: who may register, change and remove them, and who sees them.

A link speaks for local organisations: registering or changing it takes a coordinator of each
(or the platform admin); a person sees the links of the organisations they coordinate, anyone
else's answer 404. The secret is encrypted at rest, written only, and never in the audit log.
Narrowing a link (taking organisations or networks off it) or removing it leaves the records
its peer brought as they are (`keep`, with their provenance) or takes back what the link gave
them (`withdraw`, counted first with `brought`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.crypto import encrypt
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import SYSTEM, TLP, Principal, Role
from vigil.orgs import service as orgs_service
from vigil.sharing import peer_records
from vigil.sharing.peer_models import (
    Direction,
    Peer,
    PeerTraffic,
    WhenRemoved,
    peer_networks,
    peer_organisations,
)
from vigil.sharing.peer_schemas import PeerCreate, PeerRead, PeerUpdate, check_api_root

if TYPE_CHECKING:
    from vigil.orgs.models import Organisation

CHART_DAYS = 14
# Fields whose change makes the cursors point into another collection: they start again.
CURSOR_FIELDS = ("api_root", "collection_id")


def _coordinated(principal: Principal) -> list[int]:
    return [o for o, role in principal.roles.items() if role.at_least(Role.coordinator)]


def may_manage(principal: Principal, org_ids: Iterable[int]) -> bool:
    """The platform admin, or a coordinator of every organisation the link speaks for."""
    return principal.is_platform_admin or all(
        principal.has_role(o, Role.coordinator) for o in org_ids
    )


def _local_organisations(
    session: Session, principal: Principal, org_ids: list[int]
) -> list[Organisation]:
    """The organisations by id, each local and coordinated by `principal`."""
    found = []
    for org_id in org_ids:
        try:
            org = orgs_service.get_organisation(session=session, principal=SYSTEM, ref=org_id)
        except NotFound:
            raise Invalid("organisations", "no organisation with id %(id)s", id=org_id) from None
        if org.remote:
            raise Invalid(
                "organisations",
                "%(name)s is a remote organisation: links speak for local ones",
                name=org.name,
            )
        found.append(org)
    if not may_manage(principal, org_ids):
        raise Forbidden("A peer link is made by a coordinator of each organisation it speaks for.")
    return found


def _check_networks(orgs: list[Organisation], network_ids: list[int]) -> None:
    allowed = {n.id for org in orgs for n in org.networks}
    for network_id in network_ids:
        if network_id not in allowed:
            raise Invalid(
                "networks",
                "network %(id)s is not a network of the link's organisations",
                id=network_id,
            )


def _profile_org(org_ids: list[int], wanted: int | None) -> int:
    if wanted is None:
        return org_ids[0]
    if wanted not in org_ids:
        raise Invalid("profile_org_id", "must be one of the link's organisations")
    return wanted


def _check_name(session: Session, name: str, peer_id: int | None = None) -> None:
    taken = session.scalar(select(Peer.id).where(Peer.name == name))
    if taken is not None and taken != peer_id:
        raise Invalid("name", "a peer named '%(name)s' already exists", name=name)


def _set_scope(session: Session, peer_id: int, org_ids: list[int], network_ids: list[int]) -> None:
    for table, column, ids in (
        (peer_organisations, "org_id", org_ids),
        (peer_networks, "network_id", network_ids),
    ):
        session.execute(delete(table).where(table.c.peer_id == peer_id))
        if ids:
            session.execute(insert(table), [{"peer_id": peer_id, column: i} for i in ids])


def _encrypted(secret: str, settings: Settings) -> str | None:
    if not secret:
        return None
    return encrypt(secret, keys=settings.encryption_keys, secret_key=settings.secret_key)


def peer_read(session: Session, peer: Peer) -> PeerRead:
    orgs, networks = peer_records.link_scope(session, peer.id)
    return PeerRead(
        id=peer.id,
        name=peer.name,
        api_root=peer.api_root,
        collection_id=peer.collection_id,
        username=peer.username,
        has_secret=bool(peer.secret_encrypted),
        direction=Direction(peer.direction),
        max_push_tlp=TLP(peer.max_push_tlp),
        every_seconds=peer.every_seconds,
        enabled=peer.enabled,
        organisations=orgs,
        networks=networks,
        profile_org_id=peer.profile_org_id,
        last_attempt_at=peer.last_attempt_at,
        last_success_at=peer.last_success_at,
        last_error=peer.last_error,
        last_error_at=peer.last_error_at,
        failures=peer.failures,
        created_at=peer.created_at,
    )


def _audit(
    session: Session, principal: Principal, action: str, peer: Peer, detail: dict[str, Any]
) -> None:
    audit.log_action(
        session,
        principal,
        action,
        target_type="peers",
        target_id=peer.id,
        org_id=peer.profile_org_id,
        detail={"name": peer.name, **detail},
    )


def create_peer(
    *, session: Session, principal: Principal, settings: Settings, data: PeerCreate
) -> PeerRead:
    """Register a link (a coordinator of each of its organisations, or the platform admin)."""
    orgs = _local_organisations(session, principal, data.organisations)
    _check_networks(orgs, data.networks)
    check_api_root(data.api_root, settings)
    _check_name(session, data.name)
    secret = data.secret.get_secret_value() if data.secret else ""
    peer = Peer(
        name=data.name,
        api_root=data.api_root,
        collection_id=data.collection_id,
        username=data.username,
        secret_encrypted=_encrypted(secret, settings),
        direction=data.direction.value,
        max_push_tlp=data.max_push_tlp.value,
        every_seconds=data.every_seconds,
        enabled=data.enabled,
        profile_org_id=_profile_org(data.organisations, data.profile_org_id),
        created_by=principal.person_id,
    )
    session.add(peer)
    session.flush()
    _set_scope(session, peer.id, data.organisations, data.networks)
    _audit(
        session,
        principal,
        "sharing.peer.create",
        peer,
        {
            "host": urlsplit(peer.api_root).hostname,
            "collection_id": peer.collection_id,
            "direction": peer.direction,
            "max_push_tlp": peer.max_push_tlp,
            "organisations": data.organisations,
            "networks": data.networks,
            "has_secret": bool(secret),
        },
    )
    return peer_read(session, peer)


def _visible(principal: Principal) -> Any:
    """The condition on Peer.id of the links `principal` sees (None: all of them)."""
    if principal.is_platform_admin:
        return None
    return Peer.id.in_(
        select(peer_organisations.c.peer_id).where(
            peer_organisations.c.org_id.in_(_coordinated(principal))
        )
    )


def _get(session: Session, principal: Principal, peer_id: int) -> Peer:
    stmt = select(Peer).where(Peer.id == peer_id)
    if (visible := _visible(principal)) is not None:
        stmt = stmt.where(visible)
    peer = session.scalar(stmt)
    if peer is None:
        raise NotFound("No such peer, or it is not one of your organisations' links.")
    return peer


def _managed(session: Session, principal: Principal, peer_id: int) -> tuple[Peer, list[int]]:
    peer = _get(session, principal, peer_id)
    orgs, _ = peer_records.link_scope(session, peer.id)
    if not may_manage(principal, orgs):
        raise Forbidden("Only a coordinator of each of the link's organisations may change it.")
    return peer, orgs


def list_peers(*, session: Session, principal: Principal) -> list[PeerRead]:
    """The links of the organisations `principal` coordinates (every link: platform admin)."""
    stmt = select(Peer).order_by(Peer.name)
    if (visible := _visible(principal)) is not None:
        stmt = stmt.where(visible)
    return [peer_read(session, peer) for peer in session.scalars(stmt)]


def get_peer(*, session: Session, principal: Principal, peer_id: int) -> PeerRead:
    return peer_read(session, _get(session, principal, peer_id))


def get_peer_by_name(*, session: Session, principal: Principal, name: str) -> PeerRead:
    peer_id = peer_records.peer_named(session, name)
    return get_peer(session=session, principal=principal, peer_id=peer_id)


def brought(*, session: Session, principal: Principal, peer_id: int) -> int:
    """How many records the peer brought: what withdrawing them would reach."""
    peer = _get(session, principal, peer_id)
    return peer_records.brought_count(session, peer.id)


def _narrowing(old: Collection[int], new: list[int] | None) -> list[int]:
    return [] if new is None else sorted(set(old) - set(new))


def update_peer(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    peer_id: int,
    data: PeerUpdate,
) -> PeerRead:
    """Change a link; taking organisations or networks off it needs `records` (keep or
    withdraw what the peer brought from those taken off)."""
    peer, old_orgs = _managed(session, principal, peer_id)
    _, old_networks = peer_records.link_scope(session, peer.id)
    org_ids = old_orgs if data.organisations is None else data.organisations
    network_ids = old_networks if data.networks is None else data.networks
    orgs = _local_organisations(session, principal, org_ids)
    _check_networks(orgs, network_ids)
    gone_orgs = _narrowing(old_orgs, data.organisations)
    gone_networks = sorted(set(old_networks) - set(network_ids))
    if (gone_orgs or gone_networks) and data.records is None:
        raise Invalid(
            "records",
            "this change takes organisations or networks off the link: say whether the "
            "records the peer brought are kept (keep) or withdrawn from them (withdraw)",
        )
    changes = data.model_dump(
        exclude_unset=True, exclude={"secret", "organisations", "networks", "records"}
    )
    if "name" in changes:
        _check_name(session, changes["name"], peer.id)
    if "api_root" in changes:
        check_api_root(changes["api_root"], settings)
    profile = changes.pop("profile_org_id", None)
    if profile is not None:
        peer.profile_org_id = _profile_org(org_ids, profile)
    elif peer.profile_org_id not in org_ids:  # its organisation left the link: the first's
        peer.profile_org_id = org_ids[0]
    withdrawn = 0
    if data.records is WhenRemoved.withdraw and (gone_orgs or gone_networks):
        withdrawn = peer_records.withdraw(
            session, principal, peer.id, org_ids=gone_orgs, network_ids=gone_networks
        )
    restart = any(k in changes and changes[k] != getattr(peer, k) for k in CURSOR_FIELDS)
    for field, value in changes.items():
        setattr(peer, field, getattr(value, "value", value))
    if restart:
        peer.pull_added_after, peer.pull_next = "", ""
        peer.push_after, peer.push_after_id = None, 0
    if data.secret is not None:
        peer.secret_encrypted = _encrypted(data.secret.get_secret_value(), settings)
    _set_scope(session, peer.id, org_ids, network_ids)
    session.flush()
    detail: dict[str, Any] = {
        "fields": sorted(data.model_fields_set - {"records"}),
        "organisations": org_ids,
        "networks": network_ids,
    }
    if restart:
        detail["cursors_reset"] = True
    if gone_orgs or gone_networks:
        detail.update(records=str(data.records), withdrawn=withdrawn)
    _audit(session, principal, "sharing.peer.update", peer, detail)
    return peer_read(session, peer)


def remove_peer(
    *, session: Session, principal: Principal, peer_id: int, records: WhenRemoved
) -> int:
    """Remove a link: its flow stops at once; the records it brought stay with their
    provenance (keep) or lose the readers the link gave them (withdraw). Returns how many
    records were withdrawn."""
    peer, orgs = _managed(session, principal, peer_id)
    withdrawn = 0
    if records is WhenRemoved.withdraw:
        withdrawn = peer_records.withdraw(session, principal, peer.id)
    _audit(
        session,
        principal,
        "sharing.peer.remove",
        peer,
        {"records": records.value, "withdrawn": withdrawn, "organisations": orgs},
    )
    session.delete(peer)
    session.flush()
    return withdrawn


@dataclass(frozen=True)
class DayTraffic:
    day: dt.date
    objects_in: int
    objects_out: int


def traffic(
    *, session: Session, peer_ids: Collection[int], today: dt.date, days: int = CHART_DAYS
) -> dict[int, list[DayTraffic]]:
    """Objects in and out per day for each peer over the last `days` days (today included),
    every day present (0 when nothing moved)."""
    first = today - dt.timedelta(days=days - 1)
    counts: dict[tuple[int, dt.date, str], int] = {}
    if peer_ids:
        rows = session.execute(
            select(
                PeerTraffic.peer_id,
                PeerTraffic.day,
                PeerTraffic.direction,
                func.sum(PeerTraffic.objects),
            )
            .where(PeerTraffic.peer_id.in_(sorted(peer_ids)), PeerTraffic.day >= first)
            .where(PeerTraffic.day <= today)
            .group_by(PeerTraffic.peer_id, PeerTraffic.day, PeerTraffic.direction)
        )
        counts = {(p, d, direction): int(n or 0) for p, d, direction, n in rows}
    span = [first + dt.timedelta(days=i) for i in range(days)]
    return {
        p: [DayTraffic(d, counts.get((p, d, "in"), 0), counts.get((p, d, "out"), 0)) for d in span]
        for p in peer_ids
    }
