"""Periodic tasks (core.jobs): every worker process looks, one of them runs each tick, the
schedule row records the last run and the next; `vigil worker --once` runs each task now."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import uuid
from itertools import pairwise
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.alerts.receivers import wait_for
from tests.core.tick_worker import TASK, runs
from vigil.core import audit, jobs
from vigil.core.config import Settings
from vigil.core.db import get_engine, transaction, utcnow
from vigil.worker import run_worker

ROOT = Path(__file__).resolve().parents[2]
EVERY_SECONDS = 1.0
TICKS = 6


def _task(ran: list[str], *, every: float = 60.0, fails: bool = False) -> jobs.PeriodicTask:
    def work(_session: Session, _settings: Settings) -> None:
        ran.append("ran")
        if fails:
            raise RuntimeError("the feed is down")

    return jobs.PeriodicTask(f"test.{uuid.uuid4().hex[:12]}", every, work)


def _schedule(settings: Settings, name: str) -> jobs.PeriodicSchedule:
    with transaction(settings.sqlalchemy_url) as session:
        row = session.get(jobs.PeriodicSchedule, name)
        assert row is not None
        return row


def _make_due(settings: Settings, name: str) -> None:
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(
            update(jobs.PeriodicSchedule)
            .where(jobs.PeriodicSchedule.name == name)
            .values(next_run_at=utcnow() - dt.timedelta(seconds=1))
        )


def test_a_tick_is_run_by_the_first_worker_that_looks_and_by_no_other(settings: Settings) -> None:
    ran: list[str] = []
    task = _task(ran)

    assert jobs.run_periodic(settings, [task], worker="w1") == 1
    assert jobs.run_periodic(settings, [task], worker="w2") == 0
    assert jobs.run_periodic(settings, [task], worker="w1") == 0

    assert ran == ["ran"]
    row = _schedule(settings, task.name)
    assert row.last_worker == "w1" and row.last_error == ""
    assert row.last_started_at is not None and row.last_finished_at is not None
    assert row.last_started_at <= row.last_finished_at
    assert row.next_run_at == row.last_started_at + dt.timedelta(seconds=60)


def test_two_workers_that_both_saw_a_tick_due_take_it_once(settings: Settings) -> None:
    ran: list[str] = []
    task = _task(ran)
    jobs.run_periodic(settings, [task], worker="w1")
    _make_due(settings, task.name)
    seen_due_at = utcnow()

    with transaction(settings.sqlalchemy_url) as session:
        assert jobs.take_tick(session, task, worker="w1", now=seen_due_at)
    with transaction(settings.sqlalchemy_url) as session:
        assert not jobs.take_tick(session, task, worker="w2", now=seen_due_at)
    assert _schedule(settings, task.name).last_worker == "w1"


def test_the_next_tick_is_run_once_its_period_has_passed(settings: Settings) -> None:
    ran: list[str] = []
    task = _task(ran)
    jobs.run_periodic(settings, [task], worker="w1")
    _make_due(settings, task.name)

    assert jobs.run_periodic(settings, [task], worker="w2") == 1
    assert jobs.run_periodic(settings, [task], worker="w1") == 0
    assert ran == ["ran", "ran"]
    assert _schedule(settings, task.name).last_worker == "w2"


def test_a_failing_task_is_recorded_and_waits_for_its_next_tick(settings: Settings) -> None:
    ran: list[str] = []
    task = _task(ran, fails=True)

    assert jobs.run_periodic(settings, [task], worker="w1") == 1
    assert jobs.run_periodic(settings, [task], worker="w1") == 0, "not retried before its tick"
    assert ran == ["ran"]
    assert _schedule(settings, task.name).last_error == "RuntimeError: the feed is down"


def test_once_runs_each_task_now_whatever_its_schedule(settings: Settings) -> None:
    ran: list[str] = []
    task = _task(ran)
    jobs.run_periodic(settings, [task], worker="w1")

    assert jobs.run_periodic(settings, [task], worker="w1", force=True) == 1
    assert ran == ["ran", "ran"]


def test_a_running_worker_seals_audit_entries_without_a_request(settings: Settings) -> None:
    with transaction(settings.sqlalchemy_url) as session:
        written = audit.record(session, action="test.unsealed", actor="system")
        session.flush()
        entry = written.id
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(settings,), kwargs={"stop": stop})
    worker.start()
    try:

        def sealed() -> bool:
            with transaction(settings.sqlalchemy_url) as session:
                found = select(audit.AuditSeal.seq).where(audit.AuditSeal.entry_id == entry)
                return session.scalar(found) is not None

        wait_for(sealed, timeout=30, what="the worker's sealing pass")
    finally:
        stop.set()
        worker.join(timeout=30)
    with transaction(settings.sqlalchemy_url) as session:
        names = set(session.scalars(select(jobs.PeriodicSchedule.name)))
    assert {"audit.seal_recent", "audit.seal_all", "alerts.escalate"} <= names


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    for name in ("env", "database_url", "data_dir", "secret_key", "audit_key", "log_level"):
        env[f"VIGIL_{name.upper()}"] = str(getattr(settings, name))
    env["VIGIL_WORKER_POLL_SECONDS"] = "0.01"  # both look at nearly the same moments
    env["VIGIL_EMBEDDED_WORKER"] = "false"
    return env


def _count(settings: Settings) -> int:
    with transaction(settings.sqlalchemy_url) as session:
        return session.scalar(select(func.count()).select_from(runs)) or 0


def test_two_worker_processes_run_each_tick_once(settings: Settings, tmp_path: Path) -> None:
    runs.create(get_engine(settings.sqlalchemy_url))
    with transaction(settings.sqlalchemy_url) as session:
        # Not due until both workers are up, so that neither has the first ticks alone.
        session.add(
            jobs.PeriodicSchedule(
                name=TASK,
                next_run_at=utcnow() + dt.timedelta(days=1),
                last_worker="",
                last_error="",
            )
        )
    ready = [tmp_path / f"ready-{n}" for n in range(2)]
    log = (tmp_path / "workers.log").open("ab")
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.core.tick_worker", str(path), str(EVERY_SECONDS)],
            cwd=ROOT,
            env=_environment(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for path in ready
    ]
    try:
        wait_for(lambda: all(p.exists() for p in ready), timeout=60, what="both workers to start")
        with transaction(settings.sqlalchemy_url) as session:
            session.execute(
                update(jobs.PeriodicSchedule)
                .where(jobs.PeriodicSchedule.name == TASK)
                .values(next_run_at=utcnow())
            )
        wait_for(lambda: _count(settings) >= TICKS, timeout=60, what=f"{TICKS} ticks")
        assert [w.poll() for w in workers] == [None, None], "a worker stopped"
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        log.close()
    assert [w.returncode for w in workers] == [0, 0]

    with transaction(settings.sqlalchemy_url) as session:
        times = list(session.scalars(select(runs.c.at).order_by(runs.c.at)))
    # Each tick was taken by one worker: two runs are a period apart (less the little time a
    # run takes to start after its tick was taken), never two in one period.
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(times)]
    assert min(gaps) > EVERY_SECONDS / 2, gaps
    span = (times[-1] - times[0]).total_seconds()
    assert len(times) <= span / EVERY_SECONDS + 1.5, (len(times), span)
