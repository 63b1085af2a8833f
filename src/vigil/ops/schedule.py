"""Scheduled backups: the worker's periodic task makes one every BACKUP_EVERY_MINUTES, then
retention removes the scheduled archives no longer kept (the newest of each of the last
BACKUP_KEEP_DAILY days and BACKUP_KEEP_WEEKLY weeks stay, and always the newest)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker, transaction, utcnow
from vigil.core.jobs import PeriodicTask
from vigil.ops import service
from vigil.ops.models import FAILED, OK, BackupRun

log = logging.getLogger("vigil.backup")
# The task looks every minute whether a backup is due (the interval is a setting, the tick not).
CHECK_EVERY_SECONDS = 60.0
RETRY_MINUTES = 5


def backup_due(settings: Settings, now: dt.datetime) -> bool:
    """Due when the last good scheduled backup is BACKUP_EVERY_MINUTES old; after a failure,
    tried again RETRY_MINUTES later (or sooner, with a shorter interval), not every tick."""
    if not settings.backup_every_minutes:
        return False
    every = dt.timedelta(minutes=settings.backup_every_minutes)
    newest = select(BackupRun.started_at).where(BackupRun.scheduled.is_(True))
    newest = newest.order_by(BackupRun.started_at.desc()).limit(1)
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as reading:
        last_good = reading.scalar(newest.where(BackupRun.status == OK))
        last_failed = reading.scalar(newest.where(BackupRun.status == FAILED))
    if last_good is not None and now - last_good < every:
        return False
    retry = min(every, dt.timedelta(minutes=RETRY_MINUTES))
    return last_failed is None or now - last_failed >= retry


def kept(runs: list[BackupRun], *, daily: int, weekly: int) -> set[int]:
    """Ids of the runs retention keeps, from good runs sorted newest first."""
    keep: set[int] = {runs[0].id} if runs else set()
    days: set[dt.date] = set()
    weeks: set[tuple[int, int]] = set()
    for run in runs:
        day = run.started_at.date()
        week = tuple(run.started_at.isocalendar())[:2]
        if day not in days and len(days) < daily:
            days.add(day)
            keep.add(run.id)
        if week not in weeks and len(weeks) < weekly:
            weeks.add(week)  # type: ignore[arg-type]
            keep.add(run.id)
    return keep


def apply_retention(settings: Settings) -> list[Path]:
    """Remove the scheduled archives retention no longer keeps; returns their paths."""
    with transaction(settings.sqlalchemy_url) as session:
        runs = list(
            session.scalars(
                select(BackupRun)
                .where(
                    BackupRun.scheduled.is_(True),
                    BackupRun.status == OK,
                    BackupRun.removed_at.is_(None),
                )
                .order_by(BackupRun.started_at.desc())
            )
        )
        keep = kept(runs, daily=settings.backup_keep_daily, weekly=settings.backup_keep_weekly)
        removed = [run for run in runs if run.id not in keep]
        for run in removed:
            Path(run.path).unlink(missing_ok=True)
        if removed:
            session.execute(
                update(BackupRun)
                .where(BackupRun.id.in_([run.id for run in removed]))
                .values(removed_at=utcnow())
            )
            audit.record(
                session,
                action="backup.removed",
                actor="system",
                target_type="backup",
                detail={"ids": [run.id for run in removed], "kept": sorted(keep)},
            )
    return [Path(run.path) for run in removed]


def _scheduled_backup(_session: Session, settings: Settings) -> None:
    # The tick's session stays unused: on SQLite it would hold the write lock the backup's own
    # transactions (its record, its audit entry) need.
    if not backup_due(settings, utcnow()):
        return
    service.make_backup(settings, scheduled=True)
    apply_retention(settings)


PERIODIC_TASKS = (PeriodicTask("ops.backup", CHECK_EVERY_SECONDS, _scheduled_backup),)


@dataclass
class BackupStatus:
    """What the platform page shows: the last good backup, the last failure after it, runs."""

    last_good: BackupRun | None
    last_failure: BackupRun | None
    recent: list[BackupRun]


RECENT_RUNS = 20


def backup_status(session: Session) -> BackupStatus:
    recent = list(
        session.scalars(select(BackupRun).order_by(BackupRun.started_at.desc()).limit(RECENT_RUNS))
    )
    last_good = session.scalar(
        select(BackupRun)
        .where(BackupRun.status == OK)
        .order_by(BackupRun.started_at.desc())
        .limit(1)
    )
    failure = select(BackupRun).where(BackupRun.status == FAILED)
    if last_good is not None:
        failure = failure.where(BackupRun.started_at > last_good.started_at)
    last_failure = session.scalar(failure.order_by(BackupRun.started_at.desc()).limit(1))
    return BackupStatus(last_good=last_good, last_failure=last_failure, recent=recent)
