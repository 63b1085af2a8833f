"""The outbox: jobs enqueued in the caller's transaction, taken by workers with a lease.

A job lands together with the change that caused it, or not at all. Workers claim jobs with a
lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers); a job whose worker
died is taken again when its lease runs out. Failures retry with exponential backoff and jitter
until `max_attempts`, then the job is dead-lettered and kept for inspection.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Index, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.config import Settings
from vigil.core.db import Base, transaction, utcnow

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
