"""Escalation to a site's next contact is the alerts domain's periodic task: the worker does it,
and `vigil worker --once` escalates before it sends, so what escalation queued goes out too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.alerts.factories import build_world, send
from tests.alerts.receivers import Inbox
from tests.conftest import base_settings
from vigil.alerts.models import AlertSite
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.worker import run_worker


@pytest.fixture
def settings(db_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Settings:
    return base_settings(db_url, tmp_path / "data", smtp_port=inbox[1], alert_escalation_minutes=10)


def test_the_worker_sends_an_unanswered_alert_to_the_next_contact(
    settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=1, contacts=2)
    send(settings, world)
    run_worker(settings, once=True)
    assert not any("-contact2@" in str(m["To"]) for m in inbox[0].all()), "not due yet"
    with transaction(settings.sqlalchemy_url) as session:
        # Nobody answered in ten minutes (moved back in time rather than waited for).
        session.execute(update(AlertSite).values(escalate_at=utcnow() - dt.timedelta(seconds=1)))

    run_worker(settings, once=True)

    assert sum("-contact2@" in str(m["To"]) for m in inbox[0].all()) == 1
    with transaction(settings.sqlalchemy_url) as session:
        assert session.scalar(select(AlertSite.contact_level)) == 2
