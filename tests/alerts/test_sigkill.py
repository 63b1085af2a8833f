"""Nothing lost: a `vigil worker` process is killed with SIGKILL in the middle of a
2,000-delivery fan-out to a real local webhook receiver and a real SMTP server; a new worker
finishes it. Every recipient has the alert, and duplicates carry the same idempotency key.

The database is the committed throwaway one made for the test (DECISIONS 21); the workers are
real processes started with the `vigil` command and the test's settings in their environment.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from tests.alerts.factories import World, build_world, send
from tests.alerts.receivers import Inbox, Receiver, wait_for
from tests.conftest import base_settings
from vigil.alerts.models import Delivery
from vigil.core.config import Settings
from vigil.core.crypto import encrypt
from vigil.core.db import transaction
from vigil.sites.models import Site, SiteContact

SITES = 1000  # each: one e-mail to its first contact and one webhook call = 2,000 deliveries
VIGIL = str(Path(sys.executable).with_name("vigil"))


@pytest.fixture
def settings(db_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Settings:
    return base_settings(
        db_url,
        tmp_path / "data",
        smtp_port=inbox[1],
        job_lease_seconds=3,  # a dead worker's deliveries are taken again after 3 s
        alert_delivery_concurrency=8,
        worker_poll_seconds=0.1,
    )


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    for name in (
        "env",
        "database_url",
        "data_dir",
        "secret_key",
        "audit_key",
        "smtp_host",
        "smtp_port",
        "job_lease_seconds",
        "alert_delivery_concurrency",
        "worker_poll_seconds",
        "webhook_allow_private",  # the receiver is on loopback
        "log_level",
    ):
        env[f"VIGIL_{name.upper()}"] = str(getattr(settings, name))
    return env


def _many_sites(settings: Settings, world: World) -> None:
    """SITES sites of the peer organisation in Vienna, each with one contact."""
    with transaction(settings.sqlalchemy_url) as session:
        rows = [
            {
                "owner_org_id": world.peer_id,
                "name": f"Bulk site {i}",
                "type": "place_of_worship",
                "address": "",
                "city": "Vienna",
                "country": "AT",
                "lat": 48.2 + (i % 50) * 0.0005,
                "lon": 16.37 + (i // 50) * 0.0005,
                "capacity": 0,
                "typical_attendance": 0,
                "opening_pattern": "",
                "tlp": "green",
            }
            for i in range(SITES)
        ]
        session.execute(insert(Site), rows)
        ids = session.scalars(select(Site.id).where(Site.name.like("Bulk site %"))).all()
        key = {"keys": settings.encryption_keys, "secret_key": settings.secret_key}
        session.execute(
            insert(SiteContact),
            [
                {
                    "site_id": site_id,
                    "priority": 1,
                    "name": f"Contact of {site_id}",
                    "role": "",
                    "email_encrypted": encrypt(f"site{site_id}@example.org", **key),
                }
                for site_id in ids
            ],
        )


def _worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [VIGIL, "worker"],
        env=_environment(settings),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _status_counts(settings: Settings, alert_id: int) -> Counter[str]:
    with transaction(settings.sqlalchemy_url) as session:
        rows = session.execute(
            select(Delivery.status, func.count())
            .where(Delivery.alert_id == alert_id)
            .group_by(Delivery.status)
        ).all()
    return Counter({status: n for status, n in rows})


def test_a_worker_killed_mid_fan_out_loses_nothing(
    settings: Settings, receiver: Receiver, inbox: tuple[Inbox, int], tmp_path: Path
) -> None:
    world = build_world(settings, sites=0, contacts=0, webhook_urls=(f"{receiver.url}/ok",))
    _many_sites(settings, world)
    alert_id = send(settings, world)
    with transaction(settings.sqlalchemy_url) as session:
        expected = {
            channel: set(keys)
            for channel, keys in (
                (
                    "webhook",
                    session.scalars(
                        select(Delivery.idempotency_key).where(
                            Delivery.alert_id == alert_id, Delivery.channel == "webhook"
                        )
                    ),
                ),
                (
                    "email",
                    session.scalars(
                        select(Delivery.idempotency_key).where(
                            Delivery.alert_id == alert_id,
                            Delivery.channel == "email",
                            Delivery.contact_id.is_not(None),
                        )
                    ),
                ),
            )
        }
    assert len(expected["webhook"]) == SITES and len(expected["email"]) == SITES

    def received() -> int:
        return len(receiver.on("/ok")) + len(inbox[0].all())

    log = tmp_path / "workers.log"
    first = _worker(settings, log)
    try:
        wait_for(lambda: received() >= 300, timeout=60, what="the first worker to get going")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = received()
    assert first.returncode == -signal.SIGKILL
    assert at_kill < 2 * SITES + 1, "the worker finished before it was killed: not mid-way"
    left = _status_counts(settings, alert_id)
    assert left["queued"] > 0, f"nothing left to do after the kill: {left}"

    second = _worker(settings, log)
    try:
        wait_for(
            lambda: _status_counts(settings, alert_id)["sent"] == 2 * SITES + 1,
            timeout=120,
            what="the second worker to finish the fan-out",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)

    hook_keys = Counter(c.headers["Idempotency-Key"] for c in receiver.on("/ok"))
    mail_keys = Counter(str(m["X-Vigil-Idempotency-Key"]) for m in inbox[0].all())
    # every recipient has it ...
    assert set(hook_keys) == expected["webhook"]
    assert expected["email"] <= set(mail_keys)
    sites_called = {c.json()["site"]["id"] for c in receiver.on("/ok")}
    assert len(sites_called) == SITES
    addresses = {str(m["To"]) for m in inbox[0].all()}
    assert len(addresses) == SITES + 1  # each site's contact and the subscribed member
    # ... and what was sent twice (taken over from the killed worker) carries the same key.
    duplicates = sum(n - 1 for n in hook_keys.values()) + sum(n - 1 for n in mail_keys.values())
    total = sum(hook_keys.values()) + sum(mail_keys.values())
    assert total == 2 * SITES + 1 + duplicates
    assert duplicates <= 2 * settings.alert_delivery_concurrency  # at most what was in flight
