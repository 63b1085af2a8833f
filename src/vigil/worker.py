"""`vigil worker`: does the outbox's jobs, the domains' periodic tasks and their runners (e.g.
alert deliveries), each declared by its domain (vigil.domains)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence
from typing import Any

from vigil.core import audit, jobs, metrics, telemetry
from vigil.core.config import Settings
from vigil.core.domains import Domain
from vigil.domains import DOMAINS

log = logging.getLogger("vigil.worker")


def run_worker(
    settings: Settings,
    *,
    once: bool = False,
    stop: threading.Event | None = None,
    domains: Sequence[Domain] | None = None,
) -> int:
    """Run jobs until SIGTERM/SIGINT (or, with `once`, until none is due); returns jobs run.
    `domains` (all of vigil.domains unless given) are those whose work this worker does."""
    domains = DOMAINS if domains is None else domains
    stop = stop or threading.Event()
    audit.use_key(settings.sqlalchemy_url, settings.audit_key)
    metrics.start(settings)
    telemetry.start(settings)
    for domain in domains:
        jobs.register_handlers(domain.job_handlers())
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        return _run(settings, domains, once=once, stop=stop)
    finally:
        # Called in-process (tests, `vigil worker --once`), Ctrl+C must work again afterwards.
        for number, old in previous.items():
            signal.signal(number, old)


def _run(
    settings: Settings, domains: Sequence[Domain], *, once: bool, stop: threading.Event
) -> int:
    name = jobs.worker_name()
    log.info("worker started", extra={"worker": name})
    tasks = [task for domain in domains for task in domain.periodic_tasks()]
    runners = [runner for domain in domains for runner in domain.runners()]
    if once:
        # Every periodic task before (what is due, e.g. escalations, is then sent) and after the
        # rest (what the jobs wrote to the audit log is sealed), whatever its schedule.
        jobs.run_periodic(settings, tasks, worker=name, force=True)
        total = sum(r.run(settings, worker=name, stop=stop, once=True) for r in runners)
        total += _run_jobs(settings, name=name, once=True, stop=stop)
        jobs.run_periodic(settings, tasks, worker=name, force=True)
        return total
    # Periodic tasks and each runner have a thread of their own, so a slow e-mail job, a hanging
    # webhook or a long sealing pass never holds up the others.
    threads = [
        (
            threading.Thread(
                target=runner.run,
                args=(settings,),
                kwargs={"worker": name, "stop": stop, "once": False},
                name=f"vigil-{runner.name}",
                daemon=True,
            ),
            runner.stop_seconds(settings),
        )
        for runner in runners
    ]
    if tasks:
        periodic = threading.Thread(
            target=_run_periodic,
            args=(settings, tasks, name, stop),
            name="vigil-periodic",
            daemon=True,
        )
        threads.append((periodic, float(settings.job_lease_seconds)))
    for thread, _ in threads:
        thread.start()
    try:
        return _run_jobs(settings, name=name, once=False, stop=stop)
    finally:
        stop.set()
        for thread, seconds in threads:
            thread.join(timeout=seconds)


def _run_periodic(
    settings: Settings, tasks: Sequence[jobs.PeriodicTask], name: str, stop: threading.Event
) -> None:
    while not stop.is_set():
        try:
            jobs.run_periodic(settings, tasks, worker=name)
        except Exception:  # e.g. the database restarting: the next poll tries again
            log.exception("periodic tasks not run", extra={"worker": name})
        stop.wait(settings.worker_poll_seconds)


def _run_jobs(settings: Settings, *, name: str, once: bool, stop: threading.Event) -> int:
    total = 0
    while not stop.is_set():
        taken = jobs.run_due(settings, worker=name)
        total += taken
        if taken == 0:
            if once:
                break
            stop.wait(settings.worker_poll_seconds)
    log.info("worker stopped", extra={"worker": name, "jobs": total})
    return total
