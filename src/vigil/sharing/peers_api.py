"""JSON API of peer links: list, register, read, change and remove the links of the
organisations you coordinate (every link: the platform admin). The secret goes in, never out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.sharing import peers
from vigil.sharing.peer_models import WhenRemoved
from vigil.sharing.peer_schemas import BroughtRead, PeerCreate, PeerRead, PeerUpdate

router = APIRouter(prefix="/api/v1/sharing/peers", tags=["sharing"])

NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such peer, or not a link of an organisation you coordinate."}
}


@router.get("", response_model=list[PeerRead])
def list_peers(session: SessionDep, principal: PrincipalDep) -> list[PeerRead]:
    """The links of the organisations you coordinate, with their health."""
    return peers.list_peers(session=session, principal=principal)


@router.post(
    "",
    response_model=PeerRead,
    status_code=201,
    responses={
        403: {"description": "You are not a coordinator of each organisation named."},
        422: {"description": "A field is wrong (named in `errors`): the URL, an organisation..."},
    },
)
def create_peer(
    data: PeerCreate, session: SessionDep, settings: SettingsDep, principal: PrincipalDep
) -> PeerRead:
    """Register a TAXII 2.1 server as a peer for organisations you coordinate; audited."""
    return peers.create_peer(session=session, principal=principal, settings=settings, data=data)


@router.get("/{peer_id}", response_model=PeerRead, responses=NOT_YOURS)
def get_peer(peer_id: int, session: SessionDep, principal: PrincipalDep) -> PeerRead:
    return peers.get_peer(session=session, principal=principal, peer_id=peer_id)


@router.get("/{peer_id}/brought", response_model=BroughtRead, responses=NOT_YOURS)
def brought(peer_id: int, session: SessionDep, principal: PrincipalDep) -> BroughtRead:
    """How many records this peer brought: what removing it with `records=withdraw` reaches."""
    count = peers.brought(session=session, principal=principal, peer_id=peer_id)
    return BroughtRead(peer_id=peer_id, records=count)


@router.patch("/{peer_id}", response_model=PeerRead, responses=NOT_YOURS)
def update_peer(
    peer_id: int,
    data: PeerUpdate,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> PeerRead:
    """Change a link; taking organisations or networks off it needs `records`."""
    return peers.update_peer(
        session=session, principal=principal, settings=settings, peer_id=peer_id, data=data
    )


@router.delete("/{peer_id}", status_code=204, responses=NOT_YOURS)
def remove_peer(
    peer_id: int,
    records: Annotated[
        WhenRemoved,
        Query(
            description="`keep`: the records the peer brought stay, with their provenance; "
            "`withdraw`: they lose the readers the link gave them (count: GET .../brought)."
        ),
    ],
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    """Remove a link: nothing more is pulled or pushed through it; audited."""
    peers.remove_peer(session=session, principal=principal, peer_id=peer_id, records=records)
    return Response(status_code=204)
