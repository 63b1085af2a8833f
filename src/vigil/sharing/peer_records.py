"""The records a peer brought and the readers its link gave them: AMBER and AMBER+STRICT reach
the link's organisations (recipient rows), GREEN the networks the link is attached to (the
remote sender becomes their member). Withdrawing a link takes exactly those readers away;
the records stay, with their provenance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, distinct, func, or_, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.errors import NotFound
from vigil.core.policy import TLP, Principal
from vigil.incidents import received as incidents_received
from vigil.orgs import remote as remote_orgs
from vigil.sharing.import_models import StixImport, StixImportObject
from vigil.sharing.import_records import INCIDENTS
from vigil.sharing.peer_models import Peer, peer_networks, peer_organisations


@dataclass(frozen=True)
class PeerLink:
    """Whom a peer's link speaks for: its organisations (the first imports) and networks."""

    peer_id: int
    name: str
    org_ids: tuple[int, ...]
    network_ids: tuple[int, ...]
    importing_org_id: int


def peer_link(session: Session, peer_id: int) -> PeerLink:
    peer = session.get(Peer, peer_id)
    if peer is None:
        raise NotFound("No peer with id %(id)s.", id=peer_id)
    org_ids = tuple(
        session.scalars(
            select(peer_organisations.c.org_id)
            .where(peer_organisations.c.peer_id == peer_id)
            .order_by(peer_organisations.c.org_id)
        )
    )
    network_ids = tuple(
        session.scalars(
            select(peer_networks.c.network_id)
            .where(peer_networks.c.peer_id == peer_id)
            .order_by(peer_networks.c.network_id)
        )
    )
    return PeerLink(
        peer_id=peer.id,
        name=peer.name,
        org_ids=org_ids,
        network_ids=network_ids,
        importing_org_id=org_ids[0] if org_ids else peer.profile_org_id,
    )


def peer_named(session: Session, name: str) -> int:
    """The id of the peer called `name` (the command line names peers)."""
    found = session.scalar(select(Peer.id).where(Peer.name == name))
    if found is None:
        raise NotFound("No peer called %(name)s.", name=repr(name))
    return found


def link_scope(session: Session, peer_id: int) -> tuple[list[int], list[int]]:
    """The organisations and the networks the link speaks for."""
    link = peer_link(session, peer_id)
    return list(link.org_ids), list(link.network_ids)


def _brought(peer_id: int) -> tuple[ColumnElement[bool], ...]:
    return (
        StixImportObject.import_id == StixImport.id,
        StixImport.peer_id == peer_id,
        StixImportObject.record_type == INCIDENTS,
        StixImportObject.record_id.is_not(None),
    )


def brought_count(session: Session, peer_id: int) -> int:
    """How many incidents came (created or updated) through this peer's pulls."""
    return int(
        session.scalar(
            select(func.count(distinct(StixImportObject.record_id))).where(*_brought(peer_id))
        )
        or 0
    )


def _senders_only_through(session: Session, peer_id: int) -> set[int]:
    """Senders of this peer's objects that no other import (file or other peer) brought."""
    mine = set(
        session.scalars(
            select(StixImportObject.sender_org_id)
            .where(
                StixImportObject.import_id == StixImport.id,
                StixImport.peer_id == peer_id,
                StixImportObject.sender_org_id.is_not(None),
            )
            .distinct()
        )
    )
    if not mine:
        return set()
    elsewhere = set(
        session.scalars(
            select(StixImportObject.sender_org_id)
            .where(
                StixImportObject.import_id == StixImport.id,
                or_(StixImport.peer_id.is_(None), StixImport.peer_id != peer_id),
                StixImportObject.sender_org_id.in_(sorted(mine)),
            )
            .distinct()
        )
    )
    return {o for o in mine - elsewhere if o is not None}


def withdraw(
    session: Session,
    principal: Principal,
    peer_id: int,
    *,
    org_ids: Iterable[int] | None = None,
    network_ids: Iterable[int] | None = None,
) -> int:
    """The records this peer brought lose the readers its link gave them: recipient rows of
    the link's organisations, and the network memberships of senders that came only through
    it; of the given organisations and networks only, when a link is narrowed. Returns how
    many incidents lost readers; audited with the count."""
    link = peer_link(session, peer_id)
    orgs = tuple(sorted(set(link.org_ids if org_ids is None else org_ids)))
    networks = tuple(sorted(set(link.network_ids if network_ids is None else network_ids)))
    owners: dict[int, int | None] = {}
    green: set[int] = set()  # incidents that reached the link's networks
    for record_id, sender, tlp in session.execute(
        select(StixImportObject.record_id, StixImportObject.sender_org_id, StixImportObject.tlp)
        .where(*_brought(peer_id))
        .distinct()
    ):
        if record_id is not None:
            owners[record_id] = sender
            if tlp == TLP.green.value:
                green.add(record_id)
    lost = incidents_received.remove_incident_recipients(
        session=session, incident_ids=list(owners), org_ids=orgs
    )
    senders = _senders_only_through(session, peer_id)
    left = remote_orgs.leave_networks(
        session=session, principal=principal, org_ids=senders, network_ids=networks
    )
    if left:
        lost |= {i for i in green if owners[i] in senders}
    audit.log_action(
        session,
        principal,
        "sharing.peer.withdraw",
        target_type="peer",
        target_id=peer_id,
        detail={
            "peer": link.name,
            "records": len(lost),
            "organisations": list(orgs),
            "networks": list(networks),
            "network_memberships": left,
        },
    )
    return len(lost)
