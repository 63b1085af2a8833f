"""Rate limits that hold across processes: token buckets kept in the database.

A bucket holds up to `burst` tokens and refills steadily at `per_hour`; each event takes one,
and an empty bucket refuses with 429 and the time until a token is back. A bucket is stored as
the one moment it will be full again (the "theoretical arrival time" of the generic cell rate
algorithm, which is this token bucket written as a single timestamp), so a row that is in the
past is the same as no row: `take` deletes such rows as it goes, and the table holds only the
buckets in use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

from sqlalchemy import ColumnElement, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.errors import TooManyRequests

# Stale rows deleted by one call at most: the cost of keeping a table small stays bounded.
PRUNE_BATCH = 100


class RateBucket(Base):
    __tablename__ = "rate_buckets"
    __table_args__ = (UniqueConstraint("bucket", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))  # SHA-256 of the key (e.g. an address)
    full_at: Mapped[dt.datetime] = mapped_column(index=True)


class RateLimited(TooManyRequests):
    """An empty bucket; `bucket` says which limit it was, so a page can say why."""

    def __init__(self, detail: str, *, retry_after: int, bucket: str) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.bucket = bucket


def _locked(session: Session, bucket: str, key: str, now: dt.datetime) -> RateBucket:
    """The bucket's row, locked until the transaction ends (PostgreSQL; SQLite's writers are
    serialised already); a new one, full, if there is none."""
    stmt = (
        select(RateBucket).where(RateBucket.bucket == bucket, RateBucket.key == key)
    ).with_for_update()
    row = session.scalar(stmt)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = RateBucket(bucket=bucket, key=key, full_at=now)
            session.add(row)
    except IntegrityError:  # another request made it first: use theirs
        row = session.scalar(stmt)
        assert row is not None  # noqa: S101 - the unique row that was just in the way
    return row


def take(
    session: Session, *, bucket: str, key: str, burst: int, per_hour: float, detail: str
) -> None:
    """Take one token from `key`'s bucket, or refuse with RateLimited (429) when it is empty.

    Runs in the caller's transaction: if the request fails afterwards, the token is given back.
    """
    now = utcnow()
    interval = dt.timedelta(seconds=3600 / per_hour)
    row = _locked(session, bucket, hashlib.sha256(key.encode()).hexdigest(), now)
    after = max(row.full_at, now) + interval
    overdrawn = after - now - interval * burst
    if overdrawn > dt.timedelta(0):
        raise RateLimited(
            detail, retry_after=max(1, math.ceil(overdrawn.total_seconds())), bucket=bucket
        )
    row.full_at = after
    prune_rows(session, RateBucket, RateBucket.full_at < now)


def prune_rows(session: Session, model: Any, stale: ColumnElement[bool]) -> int:
    """Delete up to PRUNE_BATCH rows of `model` matching `stale`; returns how many.

    On PostgreSQL rows another transaction holds are skipped, not waited for, so requests that
    prune at the same time never queue or deadlock on each other; the next call takes them.
    """
    ids = select(model.id).where(stale).limit(PRUNE_BATCH)
    if session.get_bind().dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    result = session.execute(
        delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
