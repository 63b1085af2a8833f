"""`vigil worker`: does the outbox's jobs (e-mail), sends alert deliveries, seals the audit log."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from vigil.alerts.outbox import run_deliveries
from vigil.core import audit, jobs
from vigil.core import mail as _mail  # noqa: F401 - registers the send_email job
from vigil.core.config import Settings
from vigil.core.deps import seal_audit
from vigil.playbooks import escalation as _escalation  # noqa: F401 - registers its job

log = logging.getLogger("vigil.worker")
SEAL_EVERY_SECONDS = 5.0
FULL_SEAL_EVERY_SECONDS = 300.0


def run_worker(
    settings: Settings, *, once: bool = False, stop: threading.Event | None = None
) -> int:
    """Run jobs until SIGTERM/SIGINT (or, with `once`, until none is due); returns jobs run."""
    stop = stop or threading.Event()
    audit.use_key(settings.sqlalchemy_url, settings.audit_key)
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        return _run(settings, once=once, stop=stop)
    finally:
        # Called in-process (tests, `vigil worker --once`), Ctrl+C must work again afterwards.
        for number, old in previous.items():
            signal.signal(number, old)


def _run(settings: Settings, *, once: bool, stop: threading.Event) -> int:
    name = jobs.worker_name()
    log.info("worker started", extra={"worker": name})
    if once:
        total = run_deliveries(settings, worker=name, stop=stop, once=True)
        return total + _run_jobs(settings, name=name, once=True, stop=stop)
    # Alert deliveries run in their own thread (and pool), so a slow e-mail job or a hanging
    # webhook never holds up the other.
    deliveries = threading.Thread(
        target=run_deliveries,
        args=(settings,),
        kwargs={"worker": name, "stop": stop, "once": False},
        name="vigil-deliveries",
        daemon=True,
    )
    deliveries.start()
    try:
        return _run_jobs(settings, name=name, once=False, stop=stop)
    finally:
        stop.set()
        deliveries.join(timeout=settings.webhook_timeout_seconds + 5)


def _run_jobs(settings: Settings, *, name: str, once: bool, stop: threading.Event) -> int:
    total = 0
    last_seal = 0.0
    last_full_seal = -FULL_SEAL_EVERY_SECONDS
    while not stop.is_set():
        taken = jobs.run_due(settings, worker=name)
        total += taken
        if time.monotonic() - last_seal > SEAL_EVERY_SECONDS or (once and taken == 0):
            # A full pass now and then finds entries committed too late for the quick ones.
            full = once or time.monotonic() - last_full_seal > FULL_SEAL_EVERY_SECONDS
            seal_audit(settings, recent_only=not full)
            last_seal = time.monotonic()
            if full:
                last_full_seal = last_seal
        if taken == 0:
            if once:
                break
            stop.wait(settings.worker_poll_seconds)
    log.info("worker stopped", extra={"worker": name, "jobs": total})
    return total
