"""The records a peer brought, and their withdrawal when its link is removed or narrowed.

A peer's records are the incidents its pulls made or updated: the `stix_import_objects` of the
`stix_imports` the peer wrote. Withdrawing them takes back what the link gave: the recipient
rows naming the link's organisations (AMBER, AMBER+STRICT), and the network memberships of the
remote organisations that came only through this peer (GREEN). The records themselves stay,
with their provenance, readable by whoever may still read them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.policy import Principal
from vigil.incidents import transfer as incidents_transfer
from vigil.orgs import remote
from vigil.sharing.import_models import StixImport, StixImportObject
from vigil.sharing.peer_models import Peer, peer_networks, peer_organisations

INCIDENTS = "incidents"


def _brought(peer_id: int) -> Select[int | None]:
    """The ids of the incidents the peer brought."""
    return (
        select(StixImportObject.record_id)
        .distinct()
        .join(StixImport, StixImport.id == StixImportObject.import_id)
        .where(
            StixImport.peer_id == peer_id,
            StixImportObject.record_type == INCIDENTS,
            StixImportObject.record_id.is_not(None),
        )
    )


def brought_count(session: Session, peer_id: int) -> int:
    """How many records this peer brought: what a withdrawal reaches (shown before it)."""
    return int(session.scalar(select(func.count()).select_from(_brought(peer_id).subquery())) or 0)


def _senders_only_through(session: Session, peer_id: int) -> set[int]:
    """Remote organisations whose records came through this peer and no other."""

    def senders(condition: ColumnElement[bool]) -> set[int | None]:
        return set(
            session.scalars(
                select(StixImportObject.sender_org_id)
                .distinct()
                .join(StixImport, StixImport.id == StixImportObject.import_id)
                .where(condition, StixImportObject.sender_org_id.is_not(None))
            )
        )

    others = senders(StixImport.peer_id.is_not(None) & (StixImport.peer_id != peer_id))
    return {o for o in senders(StixImport.peer_id == peer_id) - others if o is not None}


def link_scope(session: Session, peer_id: int) -> tuple[list[int], list[int]]:
    """The organisations and the networks the link speaks for."""
    orgs = session.scalars(
        select(peer_organisations.c.org_id).where(peer_organisations.c.peer_id == peer_id)
    )
    networks = session.scalars(
        select(peer_networks.c.network_id).where(peer_networks.c.peer_id == peer_id)
    )
    return sorted(orgs), sorted(networks)


def withdraw(
    session: Session,
    principal: Principal,
    peer_id: int,
    *,
    org_ids: Iterable[int] | None = None,
    network_ids: Iterable[int] | None = None,
) -> int:
    """Take back what the link gave the records its peer brought: from the given organisations
    and networks (a narrowing), or all of the link's (a removal). Returns how many records;
    audited with the count. The caller checked that `principal` manages the link."""
    peer = session.get(Peer, peer_id)
    link_orgs, link_networks = link_scope(session, peer_id)
    orgs = sorted(set(link_orgs if org_ids is None else org_ids))
    networks = sorted(set(link_networks if network_ids is None else network_ids))
    incident_ids = [i for i in session.scalars(_brought(peer_id)) if i is not None]
    readers = incidents_transfer.remove_incident_recipients(
        session=session, incident_ids=incident_ids, org_ids=orgs
    )
    memberships = remote.leave_networks(
        session=session, org_ids=_senders_only_through(session, peer_id), network_ids=networks
    )
    audit.log_action(
        session,
        principal,
        "sharing.peer.withdraw",
        target_type="peers",
        target_id=peer_id,
        detail={
            "peer": peer.name if peer else "",
            "records": len(incident_ids),
            "organisations": orgs,
            "networks": networks,
            "recipients_removed": readers,
            "memberships_removed": memberships,
        },
    )
    return len(incident_ids)
