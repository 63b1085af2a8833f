"""The delivery outbox: workers lease due deliveries (FOR UPDATE SKIP LOCKED on PostgreSQL,
SQLite serialises writers), send them in a thread pool, and record the outcome.

A delivery is leased for VIGIL_JOB_LEASE_SECONDS; a worker that dies leaves its leases to run
out, and another worker takes those deliveries again with the same idempotency key, so a
recipient who got the message before the crash can tell the duplicate. A worker claims only as
many deliveries as it has free threads, so each starts at once and a hanging endpoint holds one
thread until its timeout, not the others. Failures retry with exponential backoff and full
jitter (core.jobs.backoff_seconds) until VIGIL_ALERT_MAX_ATTEMPTS, then are dead-lettered.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.alerts import fanout
from vigil.alerts.channels import CHANNELS, Claimed, Gone, load_builtin
from vigil.alerts.models import Delivery, DeliveryStatus
from vigil.core import jobs, metrics
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.core.jobs import backoff_seconds, lease_due

log = logging.getLogger("vigil.alerts.outbox")
DUE = (DeliveryStatus.queued.value, DeliveryStatus.failed.value)
ESCALATE_EVERY_SECONDS = 5.0
DELIVERY_OUTCOMES = metrics.Counter(
    "vigil_alert_deliveries_total",
    "Alert delivery attempts by channel and outcome: sent, failed (tried again later) or dead "
    "(given up).",
    ("channel", "outcome"),
)


def claim(session: Session, *, worker: str, lease_seconds: int, limit: int) -> list[Claimed]:
    """Lease up to `limit` due deliveries: queued or failed, due, and not leased by a live one."""
    now = utcnow()
    ids = lease_due(
        session,
        Delivery,
        due=Delivery.status.in_(DUE) & (Delivery.next_attempt_at <= now),
        order=(Delivery.next_attempt_at, Delivery.id),
        worker=worker,
        lease_seconds=lease_seconds,
        limit=limit,
        now=now,
    )
    if not ids:
        return []
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.alert_id,
            Delivery.site_id,
            Delivery.contact_id,
            Delivery.person_id,
            Delivery.webhook_id,
            Delivery.channel,
            Delivery.idempotency_key,
            Delivery.attempts,
        ).where(Delivery.id.in_(ids))
    ).all()
    return [Claimed(*row) for row in rows]


def record(
    session: Session, *, worker: str, max_attempts: int, outcomes: list[tuple[Claimed, str | None]]
) -> None:
    """Write what happened to leased deliveries (None = sent); a lease lost to another worker
    is left alone."""
    now = utcnow()
    sent = [c.id for c, error in outcomes if error is None]
    if sent:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(sent), Delivery.leased_by == worker)
            .values(status=DeliveryStatus.sent.value, sent_at=now, leased_until=None, last_error="")
        )
    for claimed, error in outcomes:
        if error is None:
            DELIVERY_OUTCOMES.inc(channel=claimed.channel, outcome=DeliveryStatus.sent.value)
            continue
        gone = error.startswith("Gone:")
        dead = gone or claimed.attempts >= max_attempts
        failed = DeliveryStatus.dead if dead else DeliveryStatus.failed
        DELIVERY_OUTCOMES.inc(channel=claimed.channel, outcome=failed.value)
        values: dict[str, Any] = {"leased_until": None, "last_error": error[:2000]}
        if dead:
            values["status"] = DeliveryStatus.dead.value
            log.error("alert delivery dead-lettered", extra={"delivery_id": claimed.id})
        else:
            values["status"] = DeliveryStatus.failed.value
            values["next_attempt_at"] = now + dt.timedelta(
                seconds=backoff_seconds(claimed.attempts)
            )
        session.execute(
            update(Delivery)
            .where(Delivery.id == claimed.id, Delivery.leased_by == worker)
            .values(**values)
        )


class Runner:
    """One worker's delivery loop. Each turn is one transaction: record what finished, lease
    as many due deliveries as there are free threads (once half of them are free, so leases
    come in batches), and read what sending them needs; then the pool sends."""

    def __init__(self, settings: Settings, *, worker: str) -> None:
        load_builtin()
        self.settings = settings
        self.worker = worker
        self.size = settings.alert_delivery_concurrency
        self.pool = ThreadPoolExecutor(self.size, thread_name_prefix="vigil-delivery")
        self.inflight: dict[Future[None], Claimed] = {}
        self.sent = 0

    def run(self, stop: threading.Event, *, once: bool = False) -> int:
        """Until `stop` (or, with `once`, until nothing is due or in flight); returns sends."""
        try:
            while not stop.is_set():
                if self.inflight:
                    wait(list(self.inflight), timeout=0.05, return_when=FIRST_COMPLETED)
                started = self._turn(self._collect())
                if not self.inflight and not started:
                    if once:
                        break
                    stop.wait(self.settings.worker_poll_seconds)
        finally:
            wait(list(self.inflight))
            self._turn(self._collect(), take=False)  # record what was in flight
            self.pool.shutdown(wait=True)
        return self.sent

    def _collect(self) -> list[tuple[Claimed, str | None]]:
        outcomes: list[tuple[Claimed, str | None]] = []
        for future in [f for f in self.inflight if f.done()]:
            claimed = self.inflight.pop(future)
            error = future.exception()
            outcomes.append(
                (claimed, None if error is None else f"{type(error).__name__}: {error}")
            )
        self.sent += sum(1 for _, e in outcomes if e is None)
        return outcomes

    def _turn(self, outcomes: list[tuple[Claimed, str | None]], *, take: bool = True) -> int:
        free = self.size - len(self.inflight)
        take = take and (not self.inflight or free >= max(1, self.size // 2))
        if not outcomes and not take:
            return 0
        prepared: dict[int, Any] = {}
        with transaction(self.settings.sqlalchemy_url) as session:
            if outcomes:
                record(
                    session,
                    worker=self.worker,
                    max_attempts=self.settings.alert_max_attempts,
                    outcomes=outcomes,
                )
            claimed = (
                claim(
                    session,
                    worker=self.worker,
                    lease_seconds=self.settings.job_lease_seconds,
                    limit=free,
                )
                if take
                else []
            )
            by_channel: dict[str, list[Claimed]] = defaultdict(list)
            for c in claimed:
                by_channel[c.channel].append(c)
            for name, batch in by_channel.items():
                channel = CHANNELS.get(name)
                if channel is None:
                    prepared.update({c.id: Gone(f"no channel {name!r}") for c in batch})
                else:
                    prepared.update(channel.prepare(session, self.settings, batch))
        gone: list[tuple[Claimed, str | None]] = []
        for c in claimed:
            item = prepared[c.id]
            if isinstance(item, Gone):
                gone.append((c, f"Gone: {item}"))
            else:
                self.inflight[self.pool.submit(CHANNELS[c.channel].send, item, self.settings)] = c
        if gone:
            self._turn(gone, take=False)
        return len(claimed)


def run_deliveries(settings: Settings, *, worker: str, stop: threading.Event, once: bool) -> int:
    """The alerts domain's runner: each worker sends deliveries from a thread and pool of its own,
    so a slow e-mail job or a hanging webhook never holds up the other."""
    return Runner(settings, worker=worker).run(stop, once=once)


def escalate_unanswered(session: Session, settings: Settings) -> None:
    """The periodic task (every ESCALATE_EVERY_SECONDS, one worker at a time): sites that left
    an alert unanswered past their time get it sent to their next contacts."""
    after = dt.timedelta(minutes=settings.alert_escalation_minutes)
    fanout.escalate_due(session, now=utcnow(), escalate_after=after)


ESCALATION = jobs.PeriodicTask("alerts.escalate", ESCALATE_EVERY_SECONDS, escalate_unanswered)
DELIVERIES = jobs.Runner(
    "deliveries",
    run_deliveries,
    # The sends in flight end within a webhook's timeout.
    stop_seconds=lambda settings: settings.webhook_timeout_seconds + 5,
)
