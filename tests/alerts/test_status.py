"""Test and Exercise alerts are told apart from real ones in every channel (e-mail through a real
SMTP server, webhooks through a real receiver, the live stream); a Test never escalates; a draft
has no CAP document and never shows in the feed; the API presets no urgency, severity or
certainty."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.alerts.factories import World, build_world, send
from tests.alerts.receivers import Inbox, Receiver
from tests.alerts.test_api import ATOM, body
from tests.conftest import base_settings
from tests.orgs.factories import token_headers
from vigil.alerts import fanout
from vigil.alerts.models import Alert, AlertSite, Delivery
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.orgs.models import Organisation, Person
from vigil.worker import run_worker

MARK = {"Actual": "", "Exercise": "[EXERCISE] ", "Test": "[TEST] "}


@pytest.fixture
def settings(db_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Settings:
    return base_settings(db_url, tmp_path / "data", smtp_port=inbox[1], alert_escalation_minutes=10)


def _coordinator_headers(settings: Settings, world: World) -> dict[str, str]:
    with transaction(settings.sqlalchemy_url) as session:
        person = session.get(Person, world.coordinator_id)
        org = session.get(Organisation, world.org_id)
        assert person is not None and org is not None
        return token_headers(session, person, org)


@pytest.mark.parametrize("status", ["Actual", "Exercise", "Test"])
def test_email_subject_and_webhook_body_say_test_or_exercise(
    settings: Settings, receiver: Receiver, inbox: tuple[Inbox, int], status: str
) -> None:
    world = build_world(settings, sites=2, contacts=1, webhook_urls=(f"{receiver.url}/ok",))
    send(settings, world, status=status)
    run_worker(settings, once=True)

    messages = inbox[0].all()
    assert messages
    for message in messages:
        subject = str(message["Subject"])
        text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        if status == "Actual":
            assert subject.startswith("[Vigil alert]")
            assert "not a real alert" not in text
        else:
            assert subject.startswith(MARK[status] + "[Vigil alert]")
            assert text.startswith(f"{status.upper()}: not a real alert.")
    (call,) = receiver.on("/ok")
    sent = call.json()
    assert sent["alert"]["status"] == status
    assert sent["alert"]["is_test"] is (status == "Test")
    assert sent["alert"]["is_exercise"] is (status == "Exercise")


@pytest.mark.parametrize(("status", "escalated"), [("Test", 0), ("Exercise", 2), ("Actual", 2)])
def test_a_test_never_escalates_to_next_contacts_an_exercise_does(
    settings: Settings, inbox: tuple[Inbox, int], status: str, escalated: int
) -> None:
    world = build_world(settings, sites=2, contacts=2)
    alert_id = send(settings, world, status=status)
    run_worker(settings, once=True)
    after = dt.timedelta(minutes=10)
    with transaction(settings.sqlalchemy_url) as session:
        # Nobody answered in ten minutes (moved back in time rather than waited for).
        session.execute(update(AlertSite).values(escalate_at=utcnow() - dt.timedelta(seconds=1)))
        assert fanout.escalate_due(session, now=utcnow(), escalate_after=after) == escalated
    run_worker(settings, once=True)
    to = [str(m["To"]) for m in inbox[0].all()]
    assert sum("-contact2@" in t for t in to) == escalated
    with transaction(settings.sqlalchemy_url) as session:
        count = session.scalar(select(func.count()).where(Delivery.alert_id == alert_id))
        assert count == 3 + escalated  # 2 first contacts + 1 subscribed member, then escalation


def test_the_live_stream_carries_the_status(settings: Settings, client: TestClient) -> None:
    world = build_world(settings, sites=2, contacts=1)
    alert_id = send(settings, world, status="Test")
    with transaction(settings.sqlalchemy_url) as session:
        member = session.get(Person, world.member_id)
        assert member is not None
        headers = token_headers(session, member)
    response = client.get("/api/v1/alerts/stream", headers=headers)
    events = [
        json.loads(line[len("data: ") :])
        for line in response.text.splitlines()
        if line.startswith("data: ")
    ]
    assert [(e["id"], e["status"]) for e in events] == [(alert_id, "Test")]


def test_a_draft_has_no_cap_document_and_never_shows_in_the_feed(
    settings: Settings, client: TestClient
) -> None:
    world = build_world(settings, sites=2, contacts=1)
    headers = _coordinator_headers(settings, world)
    draft = client.post("/api/v1/alerts", json=body(tlp="clear"), headers=headers)
    assert draft.status_code == 201
    draft_id = draft.json()["alert"]["id"]
    for who in (headers, None):
        document = client.get(f"/api/v1/alerts/{draft_id}.cap.xml", headers=who)
        assert document.status_code == 409
        assert document.headers["content-type"] == "application/problem+json"
        assert "draft" in document.json()["detail"]
        feed = ET.fromstring(client.get("/api/v1/alerts/feed.atom", headers=who).content)  # noqa: S314
        assert list(feed.iter(f"{ATOM}entry")) == []
    client.post(f"/api/v1/alerts/{draft_id}/send", headers=headers)
    assert client.get(f"/api/v1/alerts/{draft_id}.cap.xml").status_code == 200


def test_the_api_presets_no_urgency_severity_or_certainty(
    settings: Settings, client: TestClient
) -> None:
    world = build_world(settings, sites=2, contacts=1)
    headers = _coordinator_headers(settings, world)
    data = {k: v for k, v in body().items() if k not in ("urgency", "severity", "certainty")}
    response = client.post("/api/v1/alerts?send=true", json=data, headers=headers)
    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["certainty", "severity", "urgency"]
    with transaction(settings.sqlalchemy_url) as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 0


@pytest.mark.parametrize("status", ["Draft", "System"])
def test_an_alert_is_composed_as_actual_exercise_or_test_only(
    settings: Settings, client: TestClient, status: str
) -> None:
    world = build_world(settings, sites=2, contacts=1)
    headers = _coordinator_headers(settings, world)
    response = client.post("/api/v1/alerts", json=body(status=status), headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"
