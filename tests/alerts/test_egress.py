"""Webhook endpoints must be public addresses unless the operator allows private ones: a URL on
loopback, a private network, link-local (cloud metadata) or a name resolving there is refused
when saved (422, nothing saved) and again when a delivery would be sent (the receiver gets
nothing, the delivery says why)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.alerts.factories import build_world, send
from tests.alerts.receivers import Inbox, Receiver
from tests.conftest import base_settings
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.alerts.models import Delivery, Webhook
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.policy import Role
from vigil.worker import run_worker

INSIDE = [
    "http://127.0.0.1:8080/hook",
    "http://localhost:8080/hook",
    "http://10.1.2.3/hook",
    "https://192.168.0.10/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
]


@pytest.fixture
def guarded(db_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Settings:
    return base_settings(db_url, tmp_path / "data", smtp_port=inbox[1], webhook_allow_private=False)


@pytest.mark.parametrize("url", INSIDE)
def test_a_private_endpoint_is_refused_when_saved(guarded: Settings, url: str) -> None:
    with transaction(guarded.sqlalchemy_url) as session:
        org = make_org(session)
        admin = make_person(session, guarded, org=org, role=Role.org_admin)
        headers = token_headers(session, admin, org)
    with TestClient(create_app(guarded)) as client:
        refused = client.post("/api/v1/alert-webhooks", json={"url": url}, headers=headers)
        assert refused.status_code == 422, refused.text
        assert "not a public address" in refused.text
        public = client.post(
            "/api/v1/alert-webhooks", json={"url": "https://93.184.215.14/hook"}, headers=headers
        )
        assert public.status_code == 201, public.text
    with transaction(guarded.sqlalchemy_url) as session:
        assert session.scalar(select(func.count(Webhook.id))) == 1


def test_a_delivery_to_a_private_address_is_not_sent(guarded: Settings, receiver: Receiver) -> None:
    # Saved while the operator allowed private addresses, then sent after they stopped.
    allowed = guarded.model_copy(update={"webhook_allow_private": True})
    world = build_world(allowed, sites=2, contacts=1, webhook_urls=(f"{receiver.url}/ok",))
    alert_id = send(guarded, world)
    run_worker(guarded, once=True)
    assert receiver.on("/ok") == []
    with transaction(guarded.sqlalchemy_url) as session:
        hook = session.scalars(
            select(Delivery).where(Delivery.alert_id == alert_id, Delivery.channel == "webhook")
        ).one()
        assert hook.status != "sent"
        assert "not a public address" in hook.last_error
