"""The outbox: jobs land with their transaction, are leased, retried, dead-lettered, unshared."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import get_engine, transaction, utcnow


def _register(fn: Callable[[dict[str, Any]], None]) -> str:
    """A handler under a kind of its own, so tests never see each other's jobs run."""
    kind = f"test.{uuid.uuid4().hex[:12]}"

    @jobs.handler(kind)
    def _handle(_session: Session, payload: dict[str, Any], _settings: Settings) -> None:
        fn(payload)

    return kind


def _enqueue(settings: Settings, kind: str, count: int = 1, **kwargs: Any) -> list[int]:
    with transaction(settings.sqlalchemy_url) as session:
        made = [jobs.enqueue(session, kind=kind, payload={"n": n}, **kwargs) for n in range(count)]
        session.flush()
        return [j.id for j in made]


def _job(settings: Settings, job_id: int) -> jobs.Job:
    with transaction(settings.sqlalchemy_url) as session:
        found = session.get(jobs.Job, job_id)
        assert found is not None
        return found


def _make_due(settings: Settings, job_id: int) -> None:
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.id == job_id)
            .values(run_after=utcnow() - dt.timedelta(seconds=1))
        )


def test_job_enqueued_in_a_rolled_back_transaction_does_not_exist(settings: Settings) -> None:
    kind = _register(lambda _p: None)
    with pytest.raises(RuntimeError), transaction(settings.sqlalchemy_url) as session:
        jobs.enqueue(session, kind=kind, payload={})
        session.flush()
        raise RuntimeError("the change that caused the job failed")

    with transaction(settings.sqlalchemy_url) as session:
        count = session.scalar(select(func.count()).where(jobs.Job.kind == kind))
    assert count == 0
    assert jobs.run_due(settings) == 0


def test_due_job_is_taken_and_done(settings: Settings) -> None:
    seen: list[dict[str, Any]] = []
    kind = _register(seen.append)
    [job_id] = _enqueue(settings, kind)

    taken = jobs.run_due(settings, worker="w1")

    assert taken == 1
    assert seen == [{"n": 0}]
    job = _job(settings, job_id)
    assert job.status == jobs.DONE
    assert job.attempts == 1
    assert job.finished_at is not None
    assert job.leased_until is None
    assert jobs.run_due(settings, worker="w1") == 0, "a done job is not run again"


def test_failing_job_retries_with_backoff_then_is_dead_lettered(settings: Settings) -> None:
    calls: list[int] = []

    def explode(payload: dict[str, Any]) -> None:
        calls.append(payload["n"])
        raise ConnectionError(f"attempt {len(calls)} failed")

    kind = _register(explode)
    [job_id] = _enqueue(settings, kind, max_attempts=3)

    before = utcnow()
    assert jobs.run_due(settings) == 1
    first = _job(settings, job_id)
    assert first.status == jobs.PENDING
    assert first.attempts == 1
    assert first.run_after > before + dt.timedelta(seconds=jobs.BACKOFF_BASE_SECONDS / 2 - 0.1)
    assert "ConnectionError: attempt 1 failed" in first.last_error
    assert jobs.run_due(settings) == 0, "not due again before its backoff"

    _make_due(settings, job_id)
    jobs.run_due(settings)
    second = _job(settings, job_id)
    assert second.status == jobs.PENDING
    assert second.attempts == 2
    # The wait grows with the attempts (full jitter between half the ceiling and the ceiling).
    assert second.run_after - utcnow() > dt.timedelta(seconds=jobs.BACKOFF_BASE_SECONDS - 0.5)

    _make_due(settings, job_id)
    jobs.run_due(settings)
    dead = _job(settings, job_id)
    assert dead.status == jobs.DEAD
    assert dead.attempts == 3
    assert dead.finished_at is not None
    assert "attempt 3 failed" in dead.last_error
    assert len(calls) == 3

    _make_due(settings, job_id)
    assert jobs.run_due(settings) == 0, "a dead-lettered job is kept, not run again"


def test_backoff_grows_exponentially_and_is_capped() -> None:
    for attempts in range(1, 30):
        ceiling = min(jobs.BACKOFF_MAX_SECONDS, jobs.BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
        wait = jobs.backoff_seconds(attempts)
        assert ceiling / 2 <= wait <= ceiling


def test_job_of_unknown_kind_fails_and_is_retried_not_lost(settings: Settings) -> None:
    [job_id] = _enqueue(settings, f"test.unregistered.{uuid.uuid4().hex[:8]}")

    jobs.run_due(settings)

    job = _job(settings, job_id)
    assert job.status == jobs.PENDING
    assert "no handler registered" in job.last_error


def test_job_of_a_dead_worker_is_taken_again_when_its_lease_expires(settings: Settings) -> None:
    seen: list[dict[str, Any]] = []
    kind = _register(seen.append)
    [job_id] = _enqueue(settings, kind)
    with transaction(settings.sqlalchemy_url) as session:
        claimed = jobs.claim(session, worker="dead-worker", lease_seconds=60)
    assert [c.id for c in claimed] == [job_id]
    # The worker dies here: it never finishes the job.

    assert jobs.run_due(settings, worker="live-worker") == 0, "the lease still holds"
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.id == job_id)
            .values(leased_until=utcnow() - dt.timedelta(seconds=1))
        )

    assert jobs.run_due(settings, worker="live-worker") == 1

    job = _job(settings, job_id)
    assert seen == [{"n": 0}]
    assert (job.status, job.leased_by, job.attempts) == (jobs.DONE, "live-worker", 2)


def test_worker_whose_lease_was_taken_over_cannot_overwrite_the_outcome(
    settings: Settings,
) -> None:
    kind = _register(lambda _p: None)
    [job_id] = _enqueue(settings, kind)
    with transaction(settings.sqlalchemy_url) as session:
        [slow] = jobs.claim(session, worker="slow-worker", lease_seconds=60)
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.id == job_id)
            .values(leased_until=utcnow() - dt.timedelta(seconds=1))
        )
    assert jobs.run_due(settings, worker="fast-worker") == 1

    jobs._finish(settings.sqlalchemy_url, slow, "slow-worker", "TimeoutError: too late")

    job = _job(settings, job_id)
    assert (job.status, job.last_error) == (jobs.DONE, "")


def test_batch_does_not_start_a_job_after_half_its_lease_is_spent(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slow jobs ahead in a batch must not make a later one run when another worker may too."""
    clock = {"now": 1000.0}
    monkeypatch.setattr(jobs.time, "monotonic", lambda: clock["now"])
    ran: list[int] = []

    def slow(payload: dict[str, Any]) -> None:
        ran.append(payload["n"])
        clock["now"] += settings.job_lease_seconds * 0.6

    kind = _register(slow)
    first, second, third = _enqueue(settings, kind, count=3)

    assert jobs.run_due(settings, worker="w1") == 1

    assert ran == [0]
    for job_id in (second, third):
        job = _job(settings, job_id)
        assert (job.status, job.leased_until, job.attempts) == (jobs.PENDING, None, 0)
    assert jobs.run_due(settings, worker="w1") == 1
    assert ran == [0, 1]


def _claim_all(settings: Settings, worker: str, start: threading.Barrier) -> list[int]:
    start.wait(timeout=30)
    taken: list[int] = []
    while True:
        with transaction(settings.sqlalchemy_url) as session:
            batch = jobs.claim(session, worker=worker, lease_seconds=300, limit=3)
        if not batch:
            return taken
        taken.extend(c.id for c in batch)


def test_concurrent_workers_never_take_the_same_job(settings: Settings) -> None:
    kind = _register(lambda _p: None)
    all_ids = set(_enqueue(settings, kind, count=120))
    workers = 4
    start = threading.Barrier(workers)
    results: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            results[name] = _claim_all(settings, name, start)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    taken = [job_id for ids in results.values() for job_id in ids]
    assert len(taken) == len(set(taken)), "a job was claimed by two workers"
    assert set(taken) == all_ids


def test_claim_in_progress_never_hands_its_jobs_to_another_worker(settings: Settings) -> None:
    """While one worker's claim transaction is open, another takes only the other jobs.

    PostgreSQL skips the locked rows without waiting (SKIP LOCKED); SQLite makes the second
    worker wait for the first one's commit, then it sees the leases.
    """
    postgresql = settings.sqlalchemy_url.startswith("postgresql")
    kind = _register(lambda _p: None)
    all_ids = set(_enqueue(settings, kind, count=6))
    first_claimed = threading.Event()
    release = threading.Event()
    first: list[int] = []
    second: list[int] = []
    second_done = threading.Event()

    def hold_claim() -> None:
        engine = get_engine(settings.sqlalchemy_url)
        with Session(engine) as session, session.begin():
            first.extend(c.id for c in jobs.claim(session, worker="w1", lease_seconds=60, limit=3))
            first_claimed.set()
            release.wait(timeout=30)

    def other_claim() -> None:
        with transaction(settings.sqlalchemy_url) as session:
            second.extend(
                c.id for c in jobs.claim(session, worker="w2", lease_seconds=60, limit=10)
            )
        second_done.set()

    holder = threading.Thread(target=hold_claim)
    other = threading.Thread(target=other_claim)
    holder.start()
    try:
        assert first_claimed.wait(timeout=30)
        other.start()
        if postgresql:
            assert second_done.wait(timeout=10), "the second worker waited for the first's locks"
    finally:
        release.set()
        holder.join(timeout=30)
        if other.ident is not None:
            other.join(timeout=30)

    assert second_done.is_set()
    assert len(first) == 3
    assert set(second) == all_ids - set(first)
