"""What an organisation shares and with whom, level by level, for the sharing page to say in
words: computed from what decides it (the access policy's reach of each TLP level, the
organisation's networks, the peers that push its records and the strictest level each may
push, its sharing profile), never written down separately, so it cannot drift from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.policy import TLP, Principal
from vigil.orgs import service as orgs_service
from vigil.orgs.recipients import TLP_ORDER
from vigil.sharing import service as sharing_service
from vigil.sharing.peer_models import Direction, Peer, peer_organisations
from vigil.sharing.schemas import SharingProfileRead


@dataclass(frozen=True)
class LevelReach:
    """Where the organisation's records of one TLP level go."""

    tlp: TLP
    networks: tuple[str, ...] = ()  # GREEN: the networks whose members read it
    peers: tuple[str, ...] = ()  # the peers it is pushed to


@dataclass(frozen=True)
class Audience:
    """The organisation's sharing in words: each level's reach, the peers its records come
    from, and the profile (what of a record leaves)."""

    org_id: int
    levels: tuple[LevelReach, ...]
    pulled_from: tuple[str, ...]
    profile: SharingProfileRead


def _pushes(max_push_tlp: str, tlp: TLP) -> bool:
    """A link pushes records as strict as its `max_push_tlp` and looser; RED never."""
    try:
        strictest = TLP(max_push_tlp)
    except ValueError:
        return False
    return tlp is not TLP.red and TLP_ORDER.index(tlp) >= TLP_ORDER.index(strictest)


def _peers_of(session: Session, org_id: int) -> list[Peer]:
    """The enabled peers that speak for the organisation, by name."""
    linked = select(peer_organisations.c.peer_id).where(peer_organisations.c.org_id == org_id)
    return list(
        session.scalars(
            select(Peer).where(Peer.id.in_(linked), Peer.enabled.is_(True)).order_by(Peer.name)
        )
    )


def audience_of(*, session: Session, principal: Principal) -> Audience:
    """The acting organisation's sharing (any member may read it)."""
    profile = sharing_service.get_profile(session=session, principal=principal)
    networks = tuple(name for _, name in orgs_service.acting_networks(session, principal))
    peers = _peers_of(session, profile.org_id)
    pushing = [p for p in peers if Direction(p.direction).pushes]
    levels = tuple(
        LevelReach(
            tlp=tlp,
            networks=networks if tlp is TLP.green else (),
            peers=tuple(p.name for p in pushing if _pushes(p.max_push_tlp, tlp)),
        )
        for tlp in reversed(TLP_ORDER)
    )
    return Audience(
        org_id=profile.org_id,
        levels=levels,
        pulled_from=tuple(p.name for p in peers if Direction(p.direction).pulls),
        profile=profile,
    )
