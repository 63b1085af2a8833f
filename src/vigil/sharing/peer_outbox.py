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


def enqueue_every_push(session: Session) -> int:
    """A push job for every enabled pushing peer that has none waiting: the backstop that
    starts a new link's first push and takes up again after a job gave up on a peer long
    down, or after a network change let more of the received objects go on."""
    peers = session.scalars(
        select(Peer.id).where(Peer.enabled.is_(True), Peer.direction.in_(PUSHING)).order_by(Peer.id)
    )
    return sum(enqueue_push(session, peer_id) for peer_id in list(peers))


def pushes_after_write(session: Session, owner_ids: Iterable[int | None]) -> int:
    """Enqueue a push to every enabled pushing peer that may get objects of these owners: its
    organisations' own, and for every such peer any remote organisation's (received objects
    that may go on) or the common objects. Returns how many were enqueued."""
    owners = set(owner_ids)
    links: dict[int, set[int]] = {}
    rows = session.execute(
        select(Peer.id, peer_organisations.c.org_id)
        .outerjoin(peer_organisations, peer_organisations.c.peer_id == Peer.id)
        .where(Peer.enabled.is_(True), Peer.direction.in_(PUSHING))
    )
    for peer_id, org_id in rows:
        links.setdefault(peer_id, set()).update([org_id] if org_id is not None else [])
    if not owners or not links:
        return 0
    local = {o for o in owners if o is not None}
    broad = None in owners or any(
        org.remote for org in orgs_service.record_owners(session=session, org_ids=local)
    )
    wanted = sorted(p for p, orgs in links.items() if broad or orgs & local)
    return sum(enqueue_push(session, peer_id) for peer_id in wanted)
