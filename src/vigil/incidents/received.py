"""Incidents received from outside (a partner's bundle, a peer's collection): readers taken away
in bulk when the sender revokes an incident or the link that brought it is withdrawn.

Adding readers is `transfer.add_incident_recipients`; these are its counterparts, one
statement per batch of ids whatever their number.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from vigil.core.db import utcnow
from vigil.core.policy import TLP
from vigil.incidents.models import Incident

IDS_PER_STATEMENT = 1000


def _batches(ids: Collection[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [
        ordered[start : start + IDS_PER_STATEMENT]
        for start in range(0, len(ordered), IDS_PER_STATEMENT)
    ]


def remove_incident_recipients(
    *, session: Session, incident_ids: Collection[int], org_ids: Collection[int]
) -> set[int]:
    """Take the organisations `org_ids` off the recipients of the incidents; returns the
    incidents that lost at least one of them."""
    table = Incident.__recipients__
    if not org_ids:
        return set()
    lost: set[int] = set()
    for batch in _batches(incident_ids):
        rows = session.execute(
            delete(table)
            .where(table.c.record_id.in_(batch), table.c.org_id.in_(sorted(set(org_ids))))
            .returning(table.c.record_id)
        )
        lost.update(rows.scalars())
    return lost


def withdraw_received_incidents(*, session: Session, incident_ids: Collection[int]) -> int:
    """Incidents their sender revoked reach no one here any more: every recipient is taken
    off and the TLP becomes AMBER+STRICT, which leaves only their owner, a remote
    organisation without members. Returns how many incidents were withdrawn."""
    table = Incident.__recipients__
    withdrawn = 0
    for batch in _batches(incident_ids):
        session.execute(delete(table).where(table.c.record_id.in_(batch)))
        result = session.execute(
            update(Incident)
            .where(Incident.id.in_(batch))
            .values(tlp=TLP.amber_strict.value, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        withdrawn += result.rowcount  # type: ignore[attr-defined]
    return withdrawn
