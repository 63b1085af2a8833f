"""JSON API of watches: what an organisation watches in the news (coordinators manage,
members read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import Field

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.monitoring import watches
from vigil.monitoring.models import WatchKind
from vigil.monitoring.watch_schemas import WatchCreate, WatchRead

router = APIRouter(prefix="/api/v1/monitoring/watches", tags=["monitoring"])
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


@router.get("", response_model=list[WatchRead])
def list_watches(
    session: SessionDep, principal: PrincipalDep, kind: Annotated[WatchKind | None, Query()] = None
) -> list[WatchRead]:
    """Your organisation's watches: terms, places and site aliases."""
    found = watches.list_watches(session=session, principal=principal, kind=kind)
    return [watches.watch_read(w) for w in found]


@router.post("", response_model=WatchRead, status_code=201)
def create_watch(data: WatchCreate, session: SessionDep, principal: PrincipalDep) -> WatchRead:
    """Watch a term, a place (point and radius) or a site's aliases (coordinators)."""
    return watches.watch_read(watches.create_watch(session=session, principal=principal, data=data))


@router.get("/{watch_id}", response_model=WatchRead)
def get_watch(watch_id: Id, session: SessionDep, principal: PrincipalDep) -> WatchRead:
    """One watch, if it is shared with you."""
    return watches.watch_read(
        watches.get_watch(session=session, principal=principal, watch_id=watch_id)
    )


@router.delete("/{watch_id}", status_code=204)
def delete_watch(watch_id: Id, session: SessionDep, principal: PrincipalDep) -> Response:
    """Stop watching it (coordinators)."""
    watches.delete_watch(session=session, principal=principal, watch_id=watch_id)
    return Response(status_code=204)
