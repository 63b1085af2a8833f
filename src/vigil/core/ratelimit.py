"""Rate limits that hold across processes: events counted per bucket and key in the database."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.errors import TooManyRequests


class RateEvent(Base):
    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_lookup", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def hit(session: Session, *, bucket: str, key: str, limit: int, window: dt.timedelta) -> None:
    """Count one event for `key` (stored hashed), or refuse with 429 once `limit` is reached."""
    hashed = hashlib.sha256(key.encode()).hexdigest()
    since = utcnow() - window
    count, oldest = session.execute(
        select(func.count(), func.min(RateEvent.at)).where(
            RateEvent.bucket == bucket, RateEvent.key == hashed, RateEvent.at >= since
        )
    ).one()
    if count >= limit:
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        retry = int((oldest + window - utcnow()).total_seconds()) + 1
        raise TooManyRequests(
            "Too many submissions from your connection. Please try again later.",
            retry_after=max(1, retry),
        )
    session.add(RateEvent(bucket=bucket, key=hashed))


def prune(session: Session, *, older_than: dt.timedelta) -> int:
    result = session.execute(delete(RateEvent).where(RateEvent.at < utcnow() - older_than))
    return int(getattr(result, "rowcount", 0) or 0)
