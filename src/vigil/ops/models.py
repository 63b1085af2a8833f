"""The record of each backup made (scheduled or by `vigil backup`), so that the platform page
can show the last good one and the last failure, and retention knows what it may remove."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow

OK, FAILED = "ok", "failed"


class BackupRun(Base):
    __tablename__ = "backup_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None]
    scheduled: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text, default="")
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    # The archive was read back and every checksum matched its manifest.
    verified: Mapped[bool] = mapped_column(default=False)
    audit_seq: Mapped[int] = mapped_column(default=0)
    # Removed by retention (the file is gone; the record stays for the history).
    removed_at: Mapped[dt.datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")
