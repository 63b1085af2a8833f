"""Delivery to a real local webhook receiver and a real SMTP server (aiosmtpd): signatures,
idempotency keys, retries with backoff, dead letters, timeouts, escalation."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.alerts.factories import build_world, send
from tests.alerts.receivers import Inbox, Receiver, wait_for
from tests.conftest import base_settings
from vigil.alerts import fanout
from vigil.alerts.models import AlertSite, Delivery, Webhook
from vigil.core.config import Settings
from vigil.core.crypto import decrypt
from vigil.core.db import transaction, utcnow
from vigil.worker import run_worker


@pytest.fixture
def settings(db_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Settings:
    return base_settings(
        db_url,
        tmp_path / "data",
        smtp_port=inbox[1],
        alert_max_attempts=2,
        webhook_timeout_seconds=0.5,
        alert_escalation_minutes=10,
    )


def _deliveries(settings: Settings, alert_id: int, channel: str | None = None) -> list[Delivery]:
    stmt = select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id)
    if channel:
        stmt = stmt.where(Delivery.channel == channel)
    with transaction(settings.sqlalchemy_url) as session:
        return list(session.scalars(stmt))


def test_webhooks_signed_and_emails_with_ack_links(
    settings: Settings, receiver: Receiver, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=3, contacts=2, webhook_urls=(f"{receiver.url}/ok",))
    alert_id = send(settings, world)
    rows = _deliveries(settings, alert_id)
    # 3 sites x 1 first contact + 1 peer site x 1 webhook + 1 subscribed member
    assert sorted(r.channel for r in rows) == ["email"] * 4 + ["webhook"]
    assert {r.status for r in rows} == {"queued"}

    run_worker(settings, once=True)

    assert {r.status for r in _deliveries(settings, alert_id)} == {"sent"}
    (call,) = receiver.on("/ok")
    with transaction(settings.sqlalchemy_url) as session:
        hook = session.scalars(select(Webhook)).one()
        secret = decrypt(
            hook.secret_encrypted, keys=settings.encryption_keys, secret_key=settings.secret_key
        )
    expected = "sha256=" + hmac.new(secret.encode(), call.body, hashlib.sha256).hexdigest()
    assert call.headers["X-Vigil-Signature"] == expected
    webhook_row = next(r for r in rows if r.channel == "webhook")
    assert call.headers["Idempotency-Key"] == webhook_row.idempotency_key
    body = call.json()
    assert body["alert"]["headline"] == "Shots fired near Stephansplatz"
    assert body["site"]["id"] == world.site_ids[1]  # the peer's site inside the circle

    messages = inbox[0].all()
    assert len(messages) == 4
    to = sorted(str(m["To"]) for m in messages)
    assert to.count(next(t for t in to if t.startswith("person"))) == 1  # the subscriber
    assert sum("-contact1@" in t for t in to) == 3 and not any("-contact2@" in t for t in to)
    message = messages[0]
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "Lock the doors" in text and "Lock the doors" in html
    assert re.search(r"/alerts/ack/alert\.\d+\.\d+\.[A-Za-z0-9_-]{32}", text)
    keys = {r.idempotency_key for r in rows if r.channel == "email"}
    assert {str(m["X-Vigil-Idempotency-Key"]) for m in messages} == keys


def test_failing_endpoint_is_retried_with_backoff_then_dead_lettered(
    settings: Settings, receiver: Receiver
) -> None:
    world = build_world(settings, sites=2, contacts=0, webhook_urls=(f"{receiver.url}/fail",))
    alert_id = send(settings, world)
    before = utcnow()
    run_worker(settings, once=True)
    (row,) = _deliveries(settings, alert_id, "webhook")
    assert (row.status, row.attempts) == ("failed", 1)
    assert "HTTP 500" in row.last_error
    # Backoff with jitter: between half and all of 2 s after the first failure.
    assert before + dt.timedelta(seconds=0.9) <= row.next_attempt_at
    assert row.next_attempt_at <= utcnow() + dt.timedelta(seconds=2)
    run_worker(settings, once=True)  # not due yet: nothing happens
    assert len(receiver.on("/fail")) == 1
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(update(Delivery).values(next_attempt_at=utcnow()))
    run_worker(settings, once=True)
    (row,) = _deliveries(settings, alert_id, "webhook")
    assert (row.status, row.attempts) == ("dead", 2)  # alert_max_attempts=2
    calls = receiver.on("/fail")
    assert len(calls) == 2
    assert calls[0].headers["Idempotency-Key"] == calls[1].headers["Idempotency-Key"]


def test_a_hanging_endpoint_does_not_hold_up_the_others(
    settings: Settings, receiver: Receiver
) -> None:
    # A timeout long enough that a loaded machine's scheduling delays stay well inside it: a
    # good call that waited for a hanging one would land at least a whole timeout later.
    timeout = 2.0
    settings = settings.model_copy(update={"webhook_timeout_seconds": timeout})
    urls = (f"{receiver.url}/hang", f"{receiver.url}/ok")
    world = build_world(settings, sites=6, contacts=0, webhook_urls=urls)
    alert_id = send(settings, world)
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(settings,), kwargs={"stop": stop})
    started = time.monotonic()
    worker.start()
    try:
        wait_for(lambda: len(receiver.on("/ok")) == 3, timeout=5, what="the good endpoint")
        ok_done = time.monotonic() - started
        wait_for(
            lambda: (
                {r.status for r in _deliveries(settings, alert_id) if r.webhook_id} >= {"failed"}
            ),
            timeout=30,
            what="the hanging endpoint to time out",
        )
    finally:
        stop.set()
        worker.join(timeout=10)
    hang_calls = receiver.on("/hang")
    assert len(hang_calls) >= 3
    # Every good call landed while the hanging ones were still waiting on their timeout.
    assert max(c.at for c in receiver.on("/ok")) < min(c.at for c in hang_calls) + timeout * 0.75
    assert ok_done < timeout * 2
    failed = [r for r in _deliveries(settings, alert_id) if r.status == "failed"]
    assert failed and all("Timeout" in r.last_error for r in failed)


def test_unacknowledged_site_is_escalated_to_its_next_contact(
    settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=2, contacts=2)
    alert_id = send(settings, world)
    run_worker(settings, once=True)
    after = dt.timedelta(minutes=10)
    first, second = world.site_ids[:2]
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(
            update(AlertSite).where(AlertSite.site_id == first).values(acknowledged_at=utcnow())
        )
        # not yet due: nothing happens
        assert fanout.escalate_due(session, now=utcnow(), escalate_after=after) == 0
        # ten minutes later (moved back in time rather than waited for)
        session.execute(update(AlertSite).values(escalate_at=utcnow() - dt.timedelta(seconds=1)))
        assert fanout.escalate_due(session, now=utcnow(), escalate_after=after) == 1
        level = session.scalar(select(AlertSite.contact_level).where(AlertSite.site_id == second))
        assert level == 2
        # no third contact: the site is not escalated again
        session.execute(update(AlertSite).values(escalate_at=utcnow() - dt.timedelta(seconds=1)))
        assert fanout.escalate_due(session, now=utcnow(), escalate_after=after) == 0
    run_worker(settings, once=True)
    to = [str(m["To"]) for m in inbox[0].all()]
    assert sum("-contact2@" in t for t in to) == 1
    with transaction(settings.sqlalchemy_url) as session:
        assert session.scalar(select(func.count()).where(Delivery.alert_id == alert_id)) == 4
