"""The monitoring inbox's API: an organisation's signals reach its members only; coordinators
dismiss or keep them (audited), give feedback on articles, make an incident from one (source
`monitoring`, the articles as its sources, place and type from the signal) or an alert about
it, and the signal says what it became. Bad input gets a 4xx saying what is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.monitoring.inbox_world import InboxWorld, build_inbox_world
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings

API = "/api/v1/monitoring/signals"


@pytest.fixture
def world(committed: Session, settings: Settings) -> InboxWorld:
    return build_inbox_world(committed, settings)


def _audit(committed: Session, signal_id: int) -> list[tuple[str, dict[str, Any]]]:
    committed.rollback()
    entries = committed.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type == "monitoring_signals")
        .where(AuditEntry.target_id == str(signal_id))
        .order_by(AuditEntry.id)
    )
    return [(e.action, json.loads(e.detail)) for e in entries]


def test_the_inbox_lists_the_organisations_signals_strongest_first(
    client: TestClient, world: InboxWorld
) -> None:
    page = client.get(API, headers=world.a).json()
    assert [s["id"] for s in page["items"]] == [world.site_signal, world.place_signal]
    first = page["items"][0]
    assert first["title"] == "Threatening letters sent to a Berlin synagogue"
    assert first["site_id"] == world.site_id
    assert first["site_name"] == "Synagogue Rykestrasse"
    assert first["languages"] == ["de", "en"]
    assert first["article_count"] == 2
    assert first["reasons"][0] == {
        "label": "watch:site",
        "term": "Synagogue Rykestrasse",
        "where": "",
    }
    detail = client.get(f"{API}/{world.site_signal}", headers=world.a_viewer).json()
    assert [a["language"] for a in detail["articles"]] == ["de", "en"]
    assert detail["articles"][0]["source_name"].startswith("Outlet")


def test_another_organisation_sees_none_of_them(client: TestClient, world: InboxWorld) -> None:
    assert client.get(API, headers=world.b).json()["items"] == []
    for path, body in (
        (f"{API}/{world.site_signal}", None),
        (f"{API}/{world.site_signal}/decision", {"status": "dismissed"}),
        (f"{API}/{world.site_signal}/incident", None),
        (f"{API}/{world.site_signal}/alert", {"urgency": "Expected", "severity": "Moderate",
                                              "certainty": "Likely"}),
    ):  # fmt: skip
        answer = (
            client.get(path, headers=world.b)
            if body is None and path.endswith(str(world.site_signal))
            else client.post(path, headers=world.b, json=body)
        )
        assert answer.status_code == 404, (path, answer.text)
    assert client.get(API, headers=world.a).json()["items"][0]["status"] == "new"


def test_a_decision_is_the_coordinators_and_is_audited(
    client: TestClient, committed: Session, world: InboxWorld
) -> None:
    refused = client.post(
        f"{API}/{world.place_signal}/decision", headers=world.a_viewer, json={"status": "dismissed"}
    )
    assert refused.status_code == 403
    done = client.post(
        f"{API}/{world.place_signal}/decision", headers=world.a, json={"status": "dismissed"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "dismissed"
    assert [a for a, _ in _audit(committed, world.place_signal)] == ["monitoring.signal.dismissed"]
    open_ids = [s["id"] for s in client.get(f"{API}?status=open", headers=world.a).json()["items"]]
    assert open_ids == [world.site_signal]


def test_make_incident_reports_it_from_monitoring_with_the_articles_as_sources(
    client: TestClient, committed: Session, world: InboxWorld
) -> None:
    made = client.post(f"{API}/{world.site_signal}/incident", headers=world.a)
    assert made.status_code == 201, made.text
    incident_id = made.json()["incident_id"]
    incident = client.get(f"/api/v1/incidents/{incident_id}", headers=world.a).json()
    assert incident["source"] == "monitoring"
    assert incident["type"] == "threat"
    assert incident["site_id"] == world.site_id
    assert (incident["place"]["lat"], incident["place"]["lon"]) == (52.5384, 13.42)
    assert incident["tlp"] == "amber"
    reports = client.get(f"/api/v1/incidents/{incident_id}/reports", headers=world.a).json()
    narrative = reports[0]["data"]["narrative"]
    detail = client.get(f"{API}/{world.site_signal}", headers=world.a).json()
    assert all(a["url"] in narrative for a in detail["articles"])
    assert (detail["status"], detail["incident_id"]) == ("incident", incident_id)
    assert _audit(committed, world.site_signal) == [
        ("monitoring.signal.incident", {"incident_id": incident_id})
    ]
    again = client.post(f"{API}/{world.site_signal}/incident", headers=world.a)
    assert again.status_code == 409


def test_make_incident_takes_the_place_the_articles_name_without_a_site(
    client: TestClient, world: InboxWorld
) -> None:
    made = client.post(f"{API}/{world.place_signal}/incident", headers=world.a)
    assert made.status_code == 201, made.text
    incident = client.get(f"/api/v1/incidents/{made.json()['incident_id']}", headers=world.a)
    place = incident.json()["place"]
    assert (place["city"], place["country"], place["lat"]) == ("Wien", "AT", 48.2115)
    assert incident.json()["type"] == "literature"


def test_an_alert_about_a_signal_starts_from_it_and_is_linked(
    client: TestClient, committed: Session, world: InboxWorld
) -> None:
    body = {"urgency": "Expected", "severity": "Moderate", "certainty": "Likely",
            "instruction": "Check the post before opening it."}  # fmt: skip
    made = client.post(f"{API}/{world.site_signal}/alert", headers=world.a, json=body)
    assert made.status_code == 201, made.text
    alert_id = made.json()["alert_id"]
    assert made.json()["sent"] is True
    alert = client.get(f"/api/v1/alerts/{alert_id}", headers=world.a).json()
    assert alert["headline"] == "Threatening letters sent to a Berlin synagogue"
    assert alert["circle"] == {"lat": 52.5384, "lon": 13.42, "radius_km": 2.0}
    assert alert["tlp"] == "amber"
    detail = client.get(f"{API}/{world.site_signal}", headers=world.a).json()
    assert (detail["status"], detail["alert_id"]) == ("alert", alert_id)
    assert [a for a, _ in _audit(committed, world.site_signal)] == ["monitoring.signal.alert"]


def test_feedback_on_an_article_is_kept_for_the_organisation(
    client: TestClient, world: InboxWorld
) -> None:
    article = world.article_ids[0]
    path = f"{API}/{world.site_signal}/articles/{article}/feedback"
    given = client.post(
        path, headers=world.a, json={"verdict": "wrong_type", "incident_type": "abusive_behaviour"}
    )
    assert given.status_code == 200, given.text
    assert given.json()["articles"][0]["verdict"] == "wrong_type"
    assert client.post(path, headers=world.b, json={"verdict": "relevant"}).status_code == 404


BAD_INPUT = [
    ("{s}/decision", {"status": "maybe"}, "status"),
    ("{s}/decision", {"status": "dismissed", "extra": 1}, "extra"),
    ("{s}/alert", {"severity": "Moderate", "certainty": "Likely"}, "urgency"),
    ("{s}/alert", {"urgency": "Soon", "severity": "Moderate", "certainty": "Likely"}, "urgency"),
    ("{s}/articles/{other}/feedback", {"verdict": "relevant"}, "article_id"),
    ("{s}/articles/{a}/feedback", {"verdict": "great"}, "verdict"),
]


def test_bad_input_says_what_is_wrong(client: TestClient, world: InboxWorld) -> None:
    for path, body, field in BAD_INPUT:
        url = (
            API
            + "/"
            + path.format(
                s=world.site_signal, a=world.article_ids[0], other=world.article_ids[0] + 100
            )
        )
        answer = client.post(url, headers=world.a, json=body)
        assert answer.status_code == 422, (path, answer.text)
        assert field in answer.text, (path, answer.text)
    assert client.get(API, headers=world.a).json()["items"][0]["status"] == "new"


def test_a_signal_id_out_of_range_is_refused(client: TestClient, world: InboxWorld) -> None:
    assert client.get(f"{API}/0", headers=world.a).status_code == 422
    assert client.get(f"{API}/99999", headers=world.a).status_code == 404
    assert client.get(f"{API}?status=pending", headers=world.a).status_code == 422
