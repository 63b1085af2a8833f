"""Objects in and out per peer and day: one row per peer, day and direction, added to by
every pull page and push batch in the transaction that records it."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vigil.core.db import utcnow
from vigil.sharing.peer_models import PeerTraffic


def count_traffic(session: Session, *, peer_id: int, direction: str, objects: int) -> None:
    """Add `objects` to today's count of the peer's traffic in `direction` ("in" or "out")."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(PeerTraffic).values(
        peer_id=peer_id, day=utcnow().date(), direction=direction, objects=objects
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["peer_id", "day", "direction"],
            set_={"objects": PeerTraffic.objects + stmt.excluded.objects},
        )
    )
