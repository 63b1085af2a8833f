"""Scheduled backups made by the worker: a failure and the last good backup on the platform
page, retention keeping the newest of each day, every run in the audit log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import html, sign_in
from tests.ops.conftest import instance
from tests.orgs.factories import make_person
from vigil.app import create_app
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.ops.models import OK, BackupRun
from vigil.worker import run_worker


def _earlier_runs(committed: Session, folder: Path) -> dict[str, Path]:
    """Scheduled archives of earlier days, as retention finds them."""
    now = utcnow()
    made = {
        "yesterday_morning": now - dt.timedelta(days=1, hours=4),
        "yesterday_evening": now - dt.timedelta(days=1),
        "two_days_ago": now - dt.timedelta(days=2),
        "last_month": now - dt.timedelta(days=30),
    }
    paths = {}
    folder.mkdir(parents=True, exist_ok=True)
    for name, started in made.items():
        paths[name] = folder / f"{name}.tar"
        paths[name].write_bytes(b"an older archive")
        committed.add(
            BackupRun(
                started_at=started,
                finished_at=started,
                scheduled=True,
                status=OK,
                path=str(paths[name]),
                size_bytes=16,
                verified=True,
            )
        )
    committed.commit()
    return paths


def test_worker_backs_up_on_schedule_keeps_the_newest_per_day_and_the_page_shows_it(
    settings: Settings, committed: Session, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the backup directory should be")
    vigil = instance(settings).vigil
    result = vigil("backup", "--output", str(blocked / "backup.tar"))
    assert result.exit_code == 2 and "backup failed" in result.output, result.output
    failed = committed.scalars(select(BackupRun).where(BackupRun.status == "failed")).all()
    assert len(failed) == 1 and failed[0].error

    admin = make_person(committed, settings, platform_admin=True)
    member = make_person(committed, settings)
    committed.commit()
    with TestClient(create_app(settings)) as client:
        sign_in(client, member.email)
        assert client.get("/admin/backups").status_code == 403
        client.cookies.clear()
        sign_in(client, admin.email)
        page = html(client.get("/admin/backups"))
        assert page.find_all(id="backup-failure")
        assert "No backup" in page.find(id="last-good-backup").text

    folder = tmp_path / "backups"
    earlier = _earlier_runs(committed, folder)
    scheduled = settings.model_copy(
        update={
            "backup_every_minutes": 15,
            "backup_dir": folder,
            "backup_keep_daily": 2,
            "backup_keep_weekly": 0,
        }
    )
    run_worker(scheduled, once=True)
    committed.expire_all()
    good = committed.scalars(
        select(BackupRun).where(BackupRun.status == OK).order_by(BackupRun.started_at.desc())
    ).all()
    newest = good[0]
    assert newest.verified and Path(newest.path).parent == folder and Path(newest.path).exists()
    # Two days kept: today's newest and yesterday's; the rest removed, files and all.
    assert earlier["yesterday_evening"].exists()
    for gone in ("yesterday_morning", "two_days_ago", "last_month"):
        assert not earlier[gone].exists(), gone
    assert sum(run.removed_at is not None for run in good) == 3

    actions = committed.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("backup.%"))
    ).all()
    assert {"backup.failed", "backup.made", "backup.removed"} <= set(actions)

    with TestClient(create_app(settings)) as client:
        sign_in(client, admin.email)
        page = html(client.get("/admin/backups"))
        facts = page.find(id="last-good-backup").text
        assert newest.path in facts and "yes" in facts
        # The failure came before the last good backup: no longer shown as the current state.
        assert page.find_all(id="backup-failure") == []
        admin_page = html(client.get("/admin"))
        assert admin_page.find_all("a", href="/admin/backups")
