"""The outbox: jobs enqueued in the caller's transaction, taken by workers with a lease.

A job lands together with the change that caused it, or not at all. Workers claim jobs with a
lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers); a job whose worker
died is taken again when its lease runs out. Failures retry with exponential backoff and jitter
until `max_attempts`, then the job is dead-lettered and kept for inspection.

Periodic tasks (sealing, escalation; DECISIONS 31) run in every worker process but once per tick
across them all: each has a row in `periodic_tasks` saying when it is due next, and the worker
that moves that time forward (a conditional UPDATE, which PostgreSQL row-locks and SQLite
serialises) is the one that runs the tick.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Index, String, Text, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.config import Settings
from vigil.core.db import Base, get_sessionmaker, transaction, utcnow
from vigil.core.metrics import Reading, ScrapeGauge

log = logging.getLogger("vigil.jobs")

PENDING, DONE, DEAD = "pending", "done", "dead"
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 3600.0

Handler = Callable[[Session, dict[str, Any], Settings], None]
HANDLERS: dict[str, Handler] = {}


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int]
    run_after: Mapped[dt.datetime] = mapped_column(default=utcnow)
    leased_until: Mapped[dt.datetime | None]
    leased_by: Mapped[str] = mapped_column(String(128), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does one kind of job (called inside the job's transaction)."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def register_handlers(handlers: Mapping[str, Handler]) -> None:
    """Make the worker do these kinds of job (the handlers the domains declare)."""
    HANDLERS.update(handlers)


def enqueue(session: Session, *, kind: str, payload: dict[str, Any], max_attempts: int = 8) -> Job:
    """Add a job to the caller's transaction; payloads carry ids, never ORM objects."""
    job = Job(kind=kind, payload=json.dumps(payload), max_attempts=max_attempts)
    session.add(job)
    return job


def backoff_seconds(attempts: int) -> float:
    """Full jitter: a random wait up to base * 2^attempts, capped."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * (2 ** max(0, attempts - 1)))
    return random.uniform(ceiling / 2, ceiling)


@dataclass
class Claimed:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_due(
    session: Session,
    model: Any,
    *,
    due: ColumnElement[bool],
    order: Sequence[Any],
    worker: str,
    lease_seconds: int,
    limit: int,
    now: dt.datetime,
) -> list[int]:
    """Lease up to `limit` due rows of an outbox table (jobs, alert deliveries): a row whose
    lease ran out is due again; PostgreSQL skips rows another worker is leasing right now."""
    stmt = (
        select(model.id)
        .where(due, (model.leased_until.is_(None)) | (model.leased_until < now))
        .order_by(*order)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(session.scalars(stmt))
    if ids:
        session.execute(
            update(model)
            .where(model.id.in_(ids))
            .values(
                leased_until=now + dt.timedelta(seconds=lease_seconds),
                leased_by=worker,
                attempts=model.attempts + 1,
            )
        )
    return ids


def claim(session: Session, *, worker: str, lease_seconds: int, limit: int = 10) -> list[Claimed]:
    """Take up to `limit` due jobs: pending and either never leased or with an expired lease."""
    now = utcnow()
    ids = lease_due(
        session,
        Job,
        due=(Job.status == PENDING) & (Job.run_after <= now),
        order=(Job.run_after, Job.id),
        worker=worker,
        lease_seconds=lease_seconds,
        limit=limit,
        now=now,
    )
    if not ids:
        return []
    rows = session.execute(
        select(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts).where(Job.id.in_(ids))
    ).all()
    return [Claimed(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]


def _finish(url: str, job: Claimed, worker: str, error: str | None) -> None:
    with transaction(url) as session:
        row = session.get(Job, job.id)
        if row is None or row.leased_by != worker:
            return  # our lease ran out and another worker took the job over
        row.leased_until = None
        if error is None:
            row.status, row.finished_at, row.last_error = DONE, utcnow(), ""
        elif job.attempts >= job.max_attempts:
            row.status, row.finished_at, row.last_error = DEAD, utcnow(), error[:4000]
            log.error("job dead-lettered", extra={"job_id": job.id, "kind": job.kind})
        else:
            row.last_error = error[:4000]
            row.run_after = utcnow() + dt.timedelta(seconds=backoff_seconds(job.attempts))


def run_one(settings: Settings, job: Claimed, worker: str) -> bool:
    """Do one claimed job in its own transaction; returns whether it succeeded."""
    fn = HANDLERS.get(job.kind)
    try:
        if fn is None:
            raise LookupError(f"no handler registered for job kind {job.kind!r}")
        with transaction(settings.sqlalchemy_url) as session:
            fn(session, job.payload, settings)
    except Exception as exc:  # noqa: BLE001 - any failure is retried, then dead-lettered
        log.warning(
            "job failed", extra={"job_id": job.id, "kind": job.kind, "error": type(exc).__name__}
        )
        _finish(settings.sqlalchemy_url, job, worker, f"{type(exc).__name__}: {exc}")
        return False
    _finish(settings.sqlalchemy_url, job, worker, None)
    return True


def _release(url: str, jobs: list[Claimed], worker: str) -> None:
    """Give back jobs claimed but not started, without counting an attempt."""
    with transaction(url) as session:
        session.execute(
            update(Job)
            .where(Job.id.in_([j.id for j in jobs]), Job.leased_by == worker, Job.status == PENDING)
            .values(leased_until=None, attempts=Job.attempts - 1)
        )


def run_due(settings: Settings, *, worker: str | None = None, limit: int = 10) -> int:
    """Claim and run one batch of due jobs; returns how many were run."""
    worker = worker or worker_name()
    with transaction(settings.sqlalchemy_url) as session:
        claimed = claim(
            session, worker=worker, lease_seconds=settings.job_lease_seconds, limit=limit
        )
    # The batch shares one lease: a job is started only while half of it is left, so slow jobs
    # ahead of it cannot make it run after the lease ran out, when another worker may take it too.
    start_by = time.monotonic() + settings.job_lease_seconds / 2
    for index, job in enumerate(claimed):
        if time.monotonic() > start_by:
            _release(settings.sqlalchemy_url, claimed[index:], worker)
            return index
        run_one(settings, job, worker)
    return len(claimed)


def _queue(session: Session) -> list[tuple[str, str, int, dt.datetime]]:
    return [
        (kind, status, count, oldest)
        for kind, status, count, oldest in session.execute(
            select(Job.kind, Job.status, func.count(), func.min(Job.created_at))
            .where(Job.status.in_((PENDING, DEAD)))
            .group_by(Job.kind, Job.status)
        ).all()
    ]


def _queued(session: Session) -> Reading:
    return [((kind,), count) for kind, status, count, _ in _queue(session) if status == PENDING]


def _oldest(session: Session) -> Reading:
    now = utcnow()
    return [
        ((kind,), (now - oldest).total_seconds())
        for kind, status, _, oldest in _queue(session)
        if status == PENDING
    ]


def _dead(session: Session) -> Reading:
    return [((kind,), count) for kind, status, count, _ in _queue(session) if status == DEAD]


QUEUE_GAUGES = (
    ScrapeGauge(
        "vigil_jobs_queued", "Jobs waiting in the outbox (due or backing off).", ("kind",), _queued
    ),
    ScrapeGauge(
        "vigil_jobs_oldest_age_seconds",
        "Age of the oldest job waiting in the outbox.",
        ("kind",),
        _oldest,
    ),
    ScrapeGauge(
        "vigil_jobs_dead",
        "Jobs dead-lettered after their last attempt, kept for inspection.",
        ("kind",),
        _dead,
    ),
)


# --- periodic tasks ---------------------------------------------------------------------------

PeriodicWork = Callable[[Session, Settings], None]


@dataclass(frozen=True)
class PeriodicTask:
    """Work done every `every_seconds` by one of the running workers, in its own transaction."""

    name: str
    every_seconds: float
    run: PeriodicWork


class PeriodicSchedule(Base):
    """A periodic task's schedule across processes: taking a tick moves `next_run_at` on."""

    __tablename__ = "periodic_tasks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[dt.datetime]
    last_started_at: Mapped[dt.datetime | None]
    last_finished_at: Mapped[dt.datetime | None]
    last_worker: Mapped[str] = mapped_column(String(128), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")


def _add_missing(session: Session, names: list[str], now: dt.datetime) -> None:
    """A row, due now, for each task that has none (another worker may be adding it too)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    rows = [
        {"name": name, "next_run_at": now, "last_worker": "", "last_error": ""} for name in names
    ]
    session.execute(dialect.insert(PeriodicSchedule).values(rows).on_conflict_do_nothing())


def take_tick(
    session: Session, task: PeriodicTask, *, worker: str, now: dt.datetime, force: bool = False
) -> bool:
    """Take the task's due tick for `worker`; False if it is not due or another worker took it.
    `force` takes it due or not (`vigil worker --once`)."""
    due = PeriodicSchedule.name == task.name
    if not force:
        due = due & (PeriodicSchedule.next_run_at <= now)
    result = session.execute(
        update(PeriodicSchedule)
        .where(due)
        .values(
            next_run_at=now + dt.timedelta(seconds=task.every_seconds),
            last_started_at=now,
            last_worker=worker,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def run_periodic(
    settings: Settings, tasks: Sequence[PeriodicTask], *, worker: str, force: bool = False
) -> int:
    """Run each task whose tick is due and that no other worker took first (with `force`, each
    task now); returns how many ran. A task that fails is logged and waits for its next tick."""
    url = settings.sqlalchemy_url
    now = utcnow()
    with get_sessionmaker(url, readonly=True)() as reading:  # no write lock when nothing is due
        schedule = dict(
            reading.execute(select(PeriodicSchedule.name, PeriodicSchedule.next_run_at)).all()
        )
    missing = [task.name for task in tasks if task.name not in schedule]
    if missing:
        with transaction(url) as session:
            _add_missing(session, missing, now)
    ran = 0
    for task in tasks:
        if not force and task.name in schedule and schedule[task.name] > now:
            continue
        with transaction(url) as session:
            if not take_tick(session, task, worker=worker, now=utcnow(), force=force):
                continue
        error = ""
        try:
            with transaction(url) as session:
                task.run(session, settings)
        except Exception as exc:  # noqa: BLE001 - the next tick tries again
            log.exception("periodic task failed", extra={"task": task.name})
            error = f"{type(exc).__name__}: {exc}"[:4000]
        with transaction(url) as session:
            session.execute(
                update(PeriodicSchedule)
                .where(PeriodicSchedule.name == task.name, PeriodicSchedule.last_worker == worker)
                .values(last_finished_at=utcnow(), last_error=error)
            )
        ran += 1
    return ran


# --- runners ----------------------------------------------------------------------------------


class RunnerLoop(Protocol):
    def __call__(
        self, settings: Settings, *, worker: str, stop: threading.Event, once: bool
    ) -> int: ...


@dataclass(frozen=True)
class Runner:
    """A loop of a domain's own that each worker runs in a thread (and pool) of its own, so that
    slow work of one kind never holds up the others. `run` returns what it did (counted as jobs
    by `vigil worker --once`), `stop_seconds` is how long a stopping worker waits for it."""

    name: str
    run: RunnerLoop
    stop_seconds: Callable[[Settings], float]
