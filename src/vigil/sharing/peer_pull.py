"""Pulling a peer: its collection page by page, each page written in one transaction together
with the cursor that follows it, so a worker killed mid-pull resumes where the last commit
left it, losing and doubling nothing.

The cursor moves by a conditional UPDATE (only from the value this pull read), which also
keeps two workers from writing the same peer at once: the second finds the cursor moved and
stops. Errors are kept on the peer (last error, failures in a row) and the next pull waits a
backoff with jitter; a success clears them. Objects in are counted per peer and day.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.core.errors import DomainError, Invalid, NotFound
from vigil.core.metrics import Reading, ScrapeGauge
from vigil.sharing import peer_client
from vigil.sharing.peer_import import import_page
from vigil.sharing.peer_models import Direction, Peer
from vigil.sharing.peer_records import peer_link
from vigil.sharing.peer_traffic import count_traffic

log = logging.getLogger("vigil.sharing.peers")

PULL_JOB = "sharing.pull_peer"
# How often the worker looks for peers due a pull; each peer has its own `every_seconds`.
PULL_TICK_SECONDS = 10.0
ERROR_LENGTH = 2000
PULLING = (Direction.pull.value, Direction.both.value)
# Answers to a page asked by `next` that say the token is not (any more) known.
TOKEN_REFUSED = frozenset({400, 404, 410})


@dataclass(frozen=True)
class PullResult:
    """What one pull did: objects received (refused ones included), pages written, time."""

    objects: int
    pages: int
    seconds: float
    refused: int = 0
    error: str = ""


@dataclass(frozen=True)
class _Cursor:
    added_after: str
    next: str


class CursorMoved(Exception):
    """Another pull of the same peer committed first: this one stops."""


def _start(settings: Settings, peer_id: int) -> tuple[peer_client.Link, _Cursor]:
    with transaction(settings.sqlalchemy_url) as session:
        peer = session.get(Peer, peer_id)
        if peer is None:
            raise NotFound("No peer with id %(id)s.", id=peer_id)
        if not peer.enabled:
            raise Invalid("enabled", "the peer %(name)s is disabled", name=peer.name)
        if not Direction(peer.direction).pulls:
            raise Invalid("direction", "the peer %(name)s is only pushed to", name=peer.name)
        peer.last_attempt_at = utcnow()
        return peer_client.link_of(peer, settings), _Cursor(peer.pull_added_after, peer.pull_next)


def _move_cursor(session: Session, peer_id: int, held: _Cursor, to: _Cursor, *, done: bool) -> None:
    """Move the cursor on from `held` (first thing in the page's transaction, so the peer's
    row stays locked until it commits); CursorMoved if another pull moved it."""
    values: dict[str, Any] = {"pull_added_after": to.added_after, "pull_next": to.next}
    if done:
        values.update(last_success_at=utcnow(), last_error="", last_error_at=None, failures=0)
    moved = session.execute(
        update(Peer)
        .where(
            Peer.id == peer_id,
            Peer.pull_added_after == held.added_after,
            Peer.pull_next == held.next,
        )
        .values(**values)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        raise CursorMoved(f"peer {peer_id}: another pull moved the cursor")


def _record_failure(settings: Settings, peer_id: int, error: str, *, forget_next: str) -> None:
    """Keep the error and back off; a `next` token the peer refused (it may have restarted
    and forgotten it) is dropped, so the next pull starts again from `added_after` (what it
    reads twice is unchanged, nothing is doubled)."""
    with transaction(settings.sqlalchemy_url) as session:
        peer = session.get(Peer, peer_id)
        if peer is None:
            return
        if forget_next and peer.pull_next == forget_next:
            peer.pull_next = ""
        now = utcnow()
        peer.failures += 1
        peer.last_error, peer.last_error_at = error[:ERROR_LENGTH], now
        peer.next_pull_at = now + dt.timedelta(seconds=jobs.backoff_seconds(peer.failures))


def _next_cursor(held: _Cursor, page: peer_client.Page) -> tuple[_Cursor, bool]:
    """Where the next page starts, and whether the pull is done (the last page read)."""
    if page.more and page.next:
        return _Cursor(held.added_after, page.next), False
    return _Cursor(page.date_added_last or held.added_after, ""), True


def _failure(settings: Settings, peer_id: int, exc: Exception, cursor: _Cursor) -> str:
    """Keep what failed on the peer (and back off); returns the error."""
    if isinstance(exc, DomainError):
        error = exc.detail
    elif isinstance(exc, peer_client.PeerError):
        error = str(exc)
    else:
        log.exception("peer pull failed", extra={"peer_id": peer_id})
        error = f"{type(exc).__name__}: {exc}"
    refused_token = isinstance(exc, peer_client.PeerError) and exc.status in TOKEN_REFUSED
    _record_failure(settings, peer_id, error, forget_next=cursor.next if refused_token else "")
    return error


def pull_peer(settings: Settings, peer_id: int) -> PullResult:
    """Pull the peer's collection from its cursor to the end, a transaction per page.

    The next page is asked for (on one kept connection) while this one is written, so the
    peer's serving and this instance's writing overlap; a page is still written only after
    the one before it committed, with its cursor. A peer that fails (unreachable, an error
    answer, a page over the size cap, a page that cannot be written) keeps the error and
    backs off; the result says what was done before."""
    began = time.monotonic()
    link, cursor = _start(settings, peer_id)
    objects = pages = refused = 0
    done = False
    with peer_client.client_of(link) as http, ThreadPoolExecutor(1, "peer-pull") as fetcher:

        def fetch(at: _Cursor) -> Future[peer_client.Page]:
            return fetcher.submit(
                peer_client.get_objects,
                link,
                added_after=at.added_after,
                next_token=at.next,
                limit=settings.peer_page_objects,
                client=http,
            )

        ahead = fetch(cursor)
        while not done:
            try:
                page = ahead.result()
                following, done = _next_cursor(cursor, page)
                if not done:
                    ahead = fetch(following)
                with transaction(settings.sqlalchemy_url) as session:
                    _move_cursor(session, peer_id, cursor, following, done=done)
                    if page.objects:
                        written = import_page(
                            session=session,
                            settings=settings,
                            link=peer_link(session, peer_id),
                            objects=page.objects,
                            sha256=page.sha256,
                        )
                        count_traffic(
                            session, peer_id=peer_id, direction="in", objects=written.received
                        )
                        refused += written.refused
            except CursorMoved:
                log.info("peer pulled by another worker", extra={"peer_id": peer_id})
                break
            except Exception as exc:  # noqa: BLE001 - whatever failed is kept on the peer
                error = _failure(settings, peer_id, exc, cursor)
                return PullResult(objects, pages, time.monotonic() - began, refused, error)
            cursor = following
            objects += len(page.objects)
            pages += 1 if page.objects else 0
    return PullResult(objects, pages, time.monotonic() - began, refused)


def pull_job(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    """The outbox job of one peer's pull. The pull makes its own transactions (one per page),
    so the job's session is left unused; a peer disabled since it was due is skipped."""
    del session
    try:
        result = pull_peer(settings, int(payload["peer_id"]))
    except DomainError as exc:
        log.info("peer not pulled", extra={"peer_id": payload["peer_id"], "why": exc.detail})
        return
    if result.error:
        log.warning("peer pull failed", extra={"peer_id": payload["peer_id"]})


def pull_due_peers(session: Session, settings: Settings) -> None:
    """Periodic task: each enabled peer that pulls and is due is claimed (its next pull time
    moved on by a conditional UPDATE, so one worker claims it) and gets a pull job."""
    del settings
    now = utcnow()
    due = session.execute(
        select(Peer.id, Peer.every_seconds).where(
            Peer.enabled.is_(True), Peer.direction.in_(PULLING), Peer.next_pull_at <= now
        )
    ).all()
    for peer_id, every_seconds in due:
        claimed = session.execute(
            update(Peer)
            .where(Peer.id == peer_id, Peer.next_pull_at <= now)
            .values(next_pull_at=now + dt.timedelta(seconds=every_seconds))
        )
        if claimed.rowcount:  # type: ignore[attr-defined]
            jobs.enqueue(session, kind=PULL_JOB, payload={"peer_id": peer_id}, max_attempts=1)


PERIODIC_TASKS = (jobs.PeriodicTask("sharing.pull_peers", PULL_TICK_SECONDS, pull_due_peers),)


def pull_lag(session: Session) -> Reading:
    """Seconds since each enabled peer Vigil pulls from last answered (since it was added, if
    it never has): how far behind the network this instance may be."""
    now = utcnow()
    rows = session.execute(
        select(Peer.name, Peer.last_success_at, Peer.created_at).where(
            Peer.enabled.is_(True), Peer.direction.in_(PULLING)
        )
    ).all()
    return [((name,), (now - (success or added)).total_seconds()) for name, success, added in rows]


SCRAPE_GAUGES = (
    ScrapeGauge(
        "vigil_peer_pull_lag_seconds",
        "Seconds since the last successful exchange with each peer pulled from.",
        ("peer",),
        pull_lag,
    ),
)
