"""Push: the STIX store's objects a peer's link may get (`peer_audience`), POSTed to the peer's
collection in batches, in the order they were added, from the peer's push cursor on.

Network I/O never runs inside a database transaction (a SQLite writer would hold the write lock
through it): each batch is read, POSTed, then recorded in one transaction of its own, which
writes the push and its status, moves the cursor past the batch, counts the traffic and audits
every object sent with the peer. A worker killed after a POST and before that commit sends the
same batch again from the same cursor: a TAXII server takes the same id and version once. A
failed POST is recorded (the push, the peer's last error) and the job fails, so the outbox tries
again with backoff from the unmoved cursor: nothing is lost.

Only objects in the store for `peer_push_settle_seconds` are sent: a store write that commits
after a newer one would otherwise land behind the cursor and never leave. A push that leaves
younger objects behind enqueues the next push for when they have settled.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select, tuple_, update
from sqlalchemy.orm import Session

from vigil.core import audit, jobs
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker, transaction, utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.core.policy import SYSTEM
from vigil.sharing import peer_audience, peer_outbox, peer_records
from vigil.sharing.models import StixObject
from vigil.sharing.peer_client import PeerError, get_status, link_of, post_objects
from vigil.sharing.peer_models import Direction, Peer, PeerPush
from vigil.sharing.peer_traffic import count_traffic

PUSH_JOB = peer_outbox.PUSH_JOB
PUSH_BATCH_OBJECTS = 500
# Well under the 20 MiB envelope Vigil's TAXII server takes (and most others').
PUSH_BATCH_BYTES = 8 * 1024 * 1024
FOLLOW_EVERY_SECONDS = 30.0
# Pushes follow the store's writes through the outbox; this is only the backstop.
PUSH_EVERY_SECONDS = 300.0
PENDING, COMPLETE, FAILED = "pending", "complete", "failed"
DETAIL_CHARS = 4000


@dataclass(frozen=True)
class PushResult:
    objects: int = 0  # objects POSTed
    posts: int = 0
    skipped: int = 0  # objects read but kept back by the check on the way out (markings)


@dataclass(frozen=True)
class Batch:
    """Store rows read after the cursor: the objects that may leave, and the key of the last."""

    objects: list[dict[str, Any]]
    keys: list[str]  # "id@version" of each object, for the audit
    read: int
    skipped: int
    last: tuple[dt.datetime, int] | None
    younger_left: bool  # rows the link may get wait until they settle


def _read_batch(session: Session, settings: Settings, peer: Peer) -> Batch:
    audience = peer_audience.audience_of(session, settings, peer)
    clause = peer_audience.pushable_clause(audience)
    if peer.push_after is not None:
        clause = clause & (
            tuple_(StixObject.date_added, StixObject.id)
            > tuple_(peer.push_after, peer.push_after_id)
        )
    settled = utcnow() - dt.timedelta(seconds=settings.peer_push_settle_seconds)
    rows = session.execute(
        select(
            StixObject.id,
            StixObject.date_added,
            StixObject.tlp,
            StixObject.record_kind,
            StixObject.owner_org_id,
            StixObject.body,
        )
        .where(clause, StixObject.date_added <= settled)
        .order_by(StixObject.date_added, StixObject.id)
        .limit(PUSH_BATCH_OBJECTS)
    ).all()
    objects: list[dict[str, Any]] = []
    keys: list[str] = []
    size, read, last = 0, 0, None
    for row_id, added, tlp, kind, owner, body in rows:
        if objects and size + len(body) > PUSH_BATCH_BYTES:
            break
        read, last = read + 1, (added, row_id)
        obj = json.loads(body)
        if peer_audience.may_leave(audience, obj, tlp=tlp, kind=kind, owner=owner):
            objects.append(obj)
            keys.append(f"{obj['id']}@{obj.get('modified') or obj.get('created', '')}")
            size += len(body)
    younger = False
    if len(rows) < PUSH_BATCH_OBJECTS:
        younger = bool(
            session.scalar(select(exists().where(clause, StixObject.date_added > settled)))
        )
    return Batch(objects, keys, read, read - len(objects), last, younger)


def _state_of(status: dict[str, Any]) -> tuple[str, str]:
    """The push's state and the detail shown for it, from a TAXII status resource."""
    failures = status.get("failures") or []
    detail = "\n".join(
        f"{f.get('id', '')}: {f.get('message', '')}" for f in failures if isinstance(f, dict)
    )[:DETAIL_CHARS]
    if status.get("status") != "complete":
        return PENDING, detail
    return (FAILED if int(status.get("failure_count") or 0) else COMPLETE), detail


def _apply_status(push: PeerPush, status: dict[str, Any]) -> None:
    push.state, push.detail = _state_of(status)
    push.status_id = str(status.get("id") or push.status_id)[:100]
    push.total_count = int(status.get("total_count") or push.total_count)
    push.success_count = int(status.get("success_count") or 0)
    push.failure_count = int(status.get("failure_count") or 0)
    push.checked_at = utcnow()
    if push.state == PENDING and not push.status_id:
        push.state, push.detail = FAILED, "the peer answered without a status to follow"


def _audit(session: Session, peer: Peer, action: str, batch: Batch, **detail: Any) -> None:
    audit.log_action(
        session,
        SYSTEM,
        action,
        target_type="peers",
        target_id=peer.id,
        org_id=peer.profile_org_id,
        detail={"peer": peer.name, "objects": batch.keys, **detail},
    )


def _record_sent(
    session: Session,
    peer_id: int,
    cursor: tuple[dt.datetime | None, int],
    batch: Batch,
    status: dict[str, Any] | None,
) -> bool:
    """The batch went out: move the cursor past it, if no other worker moved it first, with
    its push, traffic and audit. Returns whether this worker recorded it."""
    assert batch.last is not None
    after, after_id = cursor
    same = Peer.push_after.is_(None) if after is None else Peer.push_after == after
    moved = session.execute(
        update(Peer)
        .where(Peer.id == peer_id, same, Peer.push_after_id == after_id)
        .values(push_after=batch.last[0], push_after_id=batch.last[1])
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        return False
    peer = session.get(Peer, peer_id)
    assert peer is not None
    now = utcnow()
    peer.last_attempt_at = peer.last_success_at = now
    peer.failures, peer.last_error = 0, ""
    if status is None:
        return True  # nothing in the batch might leave: only the cursor moves
    push = PeerPush(peer_id=peer_id, total_count=len(batch.objects), created_at=now)
    _apply_status(push, status)
    session.add(push)
    session.flush()
    count_traffic(session, peer_id=peer_id, direction="out", objects=len(batch.objects))
    _audit(session, peer, "sharing.peer.push", batch, push_id=push.id, status_id=push.status_id)
    return True


def _record_failure(session: Session, peer_id: int, batch: Batch, error: str) -> None:
    """A POST failed: the push and the peer's error are kept; the cursor stays. Its objects are
    audited too: the peer may have taken them before the connection broke."""
    peer = session.get(Peer, peer_id)
    if peer is None:
        return
    now = utcnow()
    peer.last_attempt_at = peer.last_error_at = now
    peer.last_error, peer.failures = error[:DETAIL_CHARS], peer.failures + 1
    push = PeerPush(
        peer_id=peer_id,
        state=FAILED,
        total_count=len(batch.objects),
        failure_count=len(batch.objects),
        detail=error[:DETAIL_CHARS],
        created_at=now,
        checked_at=now,
    )
    session.add(push)
    session.flush()
    _audit(session, peer, "sharing.peer.push_failed", batch, push_id=push.id, error=error[:500])


def push_peer(settings: Settings, peer_id: int) -> PushResult:
    """Push the peer everything its link may get that was added after its cursor. Raises
    PeerError when the peer fails (after recording it), NotFound when there is no such peer."""
    url = settings.sqlalchemy_url
    result = PushResult()
    while True:
        with get_sessionmaker(url, readonly=True)() as reading:
            peer = reading.get(Peer, peer_id)
            if peer is None:
                raise NotFound("No peer %(id)s.", id=peer_id)
            if not (peer.enabled and Direction(peer.direction).pushes):
                return result
            link = link_of(peer, settings)
            cursor = (peer.push_after, peer.push_after_id)
            batch = _read_batch(reading, settings, peer)
        if batch.last is None:
            if batch.younger_left:
                with transaction(url) as session:
                    peer_outbox.enqueue_push(
                        session, peer_id, after_seconds=settings.peer_push_settle_seconds
                    )
            return result
        status: dict[str, Any] | None = None
        if batch.objects:
            try:
                status = post_objects(link, batch.objects)
            except PeerError as exc:
                with transaction(url) as session:
                    _record_failure(session, peer_id, batch, str(exc))
                raise
        with transaction(url) as session:
            recorded = _record_sent(session, peer_id, cursor, batch, status)
        if not recorded:
            return result  # another worker is pushing this peer
        result = dataclasses.replace(
            result,
            objects=result.objects + len(batch.objects),
            posts=result.posts + (1 if batch.objects else 0),
            skipped=result.skipped + batch.skipped,
        )


def follow_pushes(settings: Settings, *, peer_id: int | None = None) -> int:
    """Ask the peers for the status of their pending pushes; returns how many completed (or
    failed). One that cannot be asked stays pending, with the reason in its detail."""
    url = settings.sqlalchemy_url
    with get_sessionmaker(url, readonly=True)() as reading:
        stmt = (
            select(PeerPush.id, PeerPush.status_id, Peer)
            .join(Peer, Peer.id == PeerPush.peer_id)
            .where(PeerPush.state == PENDING, PeerPush.status_id != "")
            .order_by(PeerPush.id)
        )
        if peer_id is not None:
            stmt = stmt.where(PeerPush.peer_id == peer_id)
        pending = [
            (push_id, status_id, link_of(peer, settings))
            for push_id, status_id, peer in reading.execute(stmt)
        ]
    finished = 0
    for push_id, status_id, link in pending:
        try:
            status, error = get_status(link, status_id), ""
        except PeerError as exc:
            status, error = {}, str(exc)
        with transaction(url) as session:
            push = session.get(PeerPush, push_id)
            if push is None:
                continue
            if error:
                push.detail, push.checked_at = error[:DETAIL_CHARS], utcnow()
                continue
            _apply_status(push, status)
            finished += push.state != PENDING
    return finished


def push_job(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    """Outbox job `sharing.push_peer`: push one peer, then follow its pending statuses. The
    job's own transaction stays unused: each batch commits in a transaction of its own."""
    peer_id = int(payload["peer_id"])
    try:
        push_peer(settings, peer_id)
    except NotFound:
        return  # the peer was removed since: nothing to push, nothing to retry
    follow_pushes(settings, peer_id=peer_id)


def _follow_tick(session: Session, settings: Settings) -> None:
    follow_pushes(settings)


def _push_tick(session: Session, settings: Settings) -> None:
    peer_outbox.enqueue_every_push(session)


PERIODIC_TASKS = (
    jobs.PeriodicTask("sharing.push_peers", PUSH_EVERY_SECONDS, _push_tick),
    jobs.PeriodicTask("sharing.follow_peer_pushes", FOLLOW_EVERY_SECONDS, _follow_tick),
)


def failed_pushes(session: Session, peer_id: int, *, limit: int = 5) -> list[PeerPush]:
    """The peer's latest failed pushes, newest first: what an operator is shown."""
    return list(
        session.scalars(
            select(PeerPush)
            .where(PeerPush.peer_id == peer_id, PeerPush.state == FAILED)
            .order_by(PeerPush.id.desc())
            .limit(limit)
        )
    )


def pushing_peer_named(session: Session, name: str) -> int:
    """The id of the peer called `name`, if it is enabled and its link pushes."""
    peer = session.get_one(Peer, peer_records.peer_named(session, name))
    if not peer.enabled:
        raise Invalid("peer", "%(name)s is disabled: enable it to push", name=name)
    if not Direction(peer.direction).pushes:
        raise Invalid("peer", "the link to %(name)s only pulls: make it push or both", name=name)
    return peer.id
