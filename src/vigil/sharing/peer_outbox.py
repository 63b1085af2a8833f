"""The push outbox: a store write that adds or changes objects a peer's link may get enqueues a
push to that peer in the same transaction, so the objects and the job to send them land
together or not at all.

One waiting job per peer is enough: a job not yet started sends whatever the store holds when it
runs. A job already running may have read past the point where this write lands, so it does not
count, and another is enqueued behind it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from vigil.core import jobs
from vigil.core.db import utcnow
from vigil.orgs import service as orgs_service
from vigil.sharing.peer_models import Direction, Peer, peer_organisations

PUSH_JOB = "sharing.push_peer"
PUSHING = [Direction.push.value, Direction.both.value]


def _payload(peer_id: int) -> str:
    return json.dumps({"peer_id": peer_id})


def waiting_push(session: Session, peer_id: int) -> bool:
    """Whether a push job for the peer is waiting to start (not leased by a running worker)."""
    now = utcnow()
    return bool(
        session.scalar(
            select(
                exists().where(
                    jobs.Job.kind == PUSH_JOB,
                    jobs.Job.status == jobs.PENDING,
                    jobs.Job.payload == _payload(peer_id),
                    or_(jobs.Job.leased_until.is_(None), jobs.Job.leased_until < now),
                )
            )
        )
    )


def enqueue_push(session: Session, peer_id: int, *, after_seconds: float = 0.0) -> bool:
    """Enqueue a push to the peer unless one is already waiting; returns whether it did."""
    if waiting_push(session, peer_id):
        return False
    job = jobs.enqueue(session, kind=PUSH_JOB, payload={"peer_id": peer_id})
    job.run_after = utcnow() + dt.timedelta(seconds=after_seconds)
    return True


def pushes_after_write(session: Session, owner_ids: Iterable[int | None]) -> int:
    """Enqueue a push to every enabled pushing peer that may get objects of these owners: its
    organisations' own, and for every such peer any remote organisation's (received objects
    that may go on) or the common objects. Returns how many were enqueued."""
    owners = set(owner_ids)
    if not owners:
        return 0
    local = {o for o in owners if o is not None}
    broad = None in owners or any(
        org.remote for org in orgs_service.record_owners(session=session, org_ids=local)
    )
    stmt = select(Peer.id).where(Peer.enabled.is_(True), Peer.direction.in_(PUSHING))
    if not broad:
        linked = select(peer_organisations.c.peer_id).where(
            peer_organisations.c.org_id.in_(sorted(local))
        )
        stmt = stmt.where(Peer.id.in_(linked))
    return sum(
        enqueue_push(session, peer_id) for peer_id in session.scalars(stmt.order_by(Peer.id))
    )
