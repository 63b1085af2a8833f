"""Reports, triage and incidents through the JSON API, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.html import db_rows
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.incidents.models import Report
from vigil.orgs.models import Organisation


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Graffiti on the synagogue wall",
        "narrative": "Swastika sprayed next to the entrance overnight.",
        "occurred_from": (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(),
        "timezone": "Europe/Berlin",
        "place": {
            "lat": 52.5246,
            "lon": 13.3937,
            "city": "Berlin",
            "country": "DE",
            "precision": "exact",
        },
        "type": "damage",
        "bias": ["antisemitism"],
        "ihra": ["ihra.9"],
        "severity": "moderate",
        "contact": "witness@example.org, +49 30 1234567",
    }
    body.update(overrides)
    return body


@pytest.fixture
def world(committed: Session, settings: Settings) -> dict[str, Any]:
    org = make_org(committed)
    org.accepts_public_reports = True
    stranger_org = make_org(committed)
    reporter = make_person(committed, settings, org=org, role=Role.reporter)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    stranger = make_person(committed, settings, org=stranger_org, role=Role.coordinator)
    headers = {
        "reporter": token_headers(committed, reporter),
        "coordinator": token_headers(committed, coordinator),
        "stranger": token_headers(committed, stranger),
    }
    committed.commit()
    return {"org": org, "headers": headers}


def submit_and_triage(
    client: TestClient, world: dict[str, Any], **overrides: Any
) -> tuple[int, int]:
    h = world["headers"]
    report = client.post("/api/v1/reports", json=report_body(**overrides), headers=h["reporter"])
    assert report.status_code == 201, report.text
    decided = client.post(
        f"/api/v1/reports/{report.json()['id']}/triage",
        json={"action": "new_incident"},
        headers=h["coordinator"],
    )
    assert decided.status_code == 200, decided.text
    return report.json()["id"], decided.json()["incident_id"]


def test_report_becomes_incident_that_outsiders_cannot_see(
    client: TestClient, world: dict[str, Any]
) -> None:
    h = world["headers"]
    _, incident_id = submit_and_triage(client, world)

    mine = client.get(f"/api/v1/incidents/{incident_id}", headers=h["reporter"])
    assert mine.status_code == 200
    assert mine.json()["status"] == "triaged"
    assert mine.json()["ihra"] == ["ihra.9"]
    assert client.get(f"/api/v1/incidents/{incident_id}", headers=h["stranger"]).status_code == 404
    listed = client.get("/api/v1/incidents", headers=h["stranger"]).json()
    assert incident_id not in [i["id"] for i in listed["items"]]


def test_a_submitted_report_is_sealed_into_the_audit_chain_before_the_answer(
    client: TestClient, world: dict[str, Any], settings: Settings
) -> None:
    from vigil.core import audit

    created = client.post(
        "/api/v1/reports", json=report_body(), headers=world["headers"]["reporter"]
    )
    assert created.status_code == 201, created.text

    entry_ids = db_rows(
        settings,
        select(audit.AuditEntry.id).where(
            audit.AuditEntry.action == "report.submit",
            audit.AuditEntry.target_id == str(created.json()["id"]),
        ),
    )
    assert len(entry_ids) == 1
    assert db_rows(
        settings, select(audit.AuditSeal.seq).where(audit.AuditSeal.entry_id == entry_ids[0])
    )


def test_contact_is_encrypted_at_rest_and_shown_to_coordinators_only(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    h = world["headers"]
    report_id, _ = submit_and_triage(client, world)

    stored = committed.scalar(select(Report.contact_encrypted).where(Report.id == report_id))
    assert stored and "witness@example.org" not in stored
    as_coordinator = client.get(f"/api/v1/reports/{report_id}", headers=h["coordinator"]).json()
    as_reporter = client.get(f"/api/v1/reports/{report_id}", headers=h["reporter"]).json()
    assert as_coordinator["contact"] == "witness@example.org, +49 30 1234567"
    assert as_reporter["contact"] is None


def test_second_report_attached_and_merge_can_be_undone(
    client: TestClient, world: dict[str, Any]
) -> None:
    h = world["headers"]
    _, first = submit_and_triage(client, world)
    _, second = submit_and_triage(client, world, title="Same graffiti, second witness")

    merged = client.post(
        f"/api/v1/incidents/{second}/merge", json={"target_id": first}, headers=h["coordinator"]
    )
    assert merged.status_code == 200
    reports = client.get(f"/api/v1/incidents/{first}/reports", headers=h["coordinator"]).json()
    assert len(reports) == 2
    undone = client.post(f"/api/v1/incidents/{second}/unmerge", headers=h["coordinator"])
    assert undone.json()["status"] == "triaged"
    assert undone.json()["merged_into_id"] is None
    history = client.get(f"/api/v1/incidents/{second}/history", headers=h["coordinator"]).json()
    assert [e["action"] for e in history][-2:] == ["incident.merge", "incident.unmerge"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "vandalism"}, "type"),
        ({"bias": ["anti_everything"]}, "bias.0"),
        ({"occurred_from": "2999-01-01T00:00:00+00:00"}, "occurred_from"),
        ({"occurred_from": "1899-12-31T00:00:00+00:00"}, "occurred_from"),
        ({"place": {"lat": 91, "lon": 13}}, "place.lat"),
        ({"place": {"lat": 52, "lon": 13, "country": "XX"}}, "place.country"),
        ({"ihra": ["ihra.12"]}, "ihra"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_report_is_refused_naming_the_field_and_nothing_is_stored(
    client: TestClient,
    world: dict[str, Any],
    committed: Session,
    overrides: dict[str, Any],
    field: str,
) -> None:
    response = client.post(
        "/api/v1/reports", json=report_body(**overrides), headers=world["headers"]["reporter"]
    )

    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert committed.scalar(select(Report.id)) is None


def test_ihra_indicators_need_the_antisemitism_bias(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = client.post(
        "/api/v1/reports",
        json=report_body(bias=["anti_muslim"]),
        headers=world["headers"]["reporter"],
    )
    assert response.status_code == 422
    assert "antisemitism" in response.json()["detail"]


def test_public_report_gives_a_receipt_that_shows_status_only(
    client: TestClient, world: dict[str, Any]
) -> None:
    org: Organisation = world["org"]
    body = {
        "what_happened": "Two men shouted threats at people leaving the service.",
        "when": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat(),
        "where": "Oranienburger Str. 30, Berlin",
        "contact": "me@example.org",
    }
    response = client.post(f"/api/v1/public/{org.slug}/reports", json=body)
    assert response.status_code == 201
    receipt = response.json()["receipt"]
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){2}[0-9A-HJKMNP-TV-Z]{4}", receipt)
    status = client.get(f"/api/v1/public/receipts/{receipt}")
    assert status.json() == {"receipt": receipt, "status": "received"}
    typed = receipt.lower().replace("-", "")
    assert client.get(f"/api/v1/public/receipts/{typed}").json()["status"] == "received"
    queue = client.get("/api/v1/triage", headers=world["headers"]["coordinator"]).json()
    assert [r["source"] for r in queue] == ["public"]


def test_public_flood_is_limited_per_address_but_members_still_report(
    client: TestClient, world: dict[str, Any], settings: Settings
) -> None:
    org: Organisation = world["org"]
    body = {
        "what_happened": "Something worrying happened outside.",
        "when": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
        "where": "Berlin",
    }
    burst = settings.public_report_burst
    codes = [
        client.post(f"/api/v1/public/{org.slug}/reports", json=body).status_code
        for _ in range(burst + 1)
    ]
    assert codes[:burst] == [201] * burst
    assert codes[burst] == 429
    member = client.post(
        "/api/v1/reports", json=report_body(), headers=world["headers"]["reporter"]
    )
    assert member.status_code == 201


def test_honeypot_gets_a_receipt_but_stores_nothing(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    body = {
        "what_happened": "Buy cheap watches at our website now!!",
        "when": dt.datetime.now(dt.UTC).isoformat(),
        "where": "Berlin",
        "website": "http://spam.example",
    }
    response = client.post(f"/api/v1/public/{world['org'].slug}/reports", json=body)
    assert response.status_code == 201
    assert committed.scalar(select(Report.id)) is None


def test_report_versions_are_append_only(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    submit_and_triage(client, world)
    with pytest.raises(Exception, match="append-only"):
        committed.execute(text("UPDATE report_versions SET data = '{}'"))
    committed.rollback()


def test_edit_that_breaks_a_rule_is_a_field_named_422(
    client: TestClient, world: dict[str, Any]
) -> None:
    _, incident_id = submit_and_triage(client, world, bias=["anti_muslim"], ihra=[])

    response = client.patch(
        f"/api/v1/incidents/{incident_id}",
        json={"ihra": ["ihra.4"]},
        headers=world["headers"]["coordinator"],
    )

    assert response.status_code == 422
    assert "antisemitism" in response.json()["detail"]


def test_public_report_place_is_geocoded_offline_when_triaged(
    client: TestClient, world: dict[str, Any]
) -> None:
    body = {
        "what_happened": "Stones thrown at the windows of the prayer room.",
        "when": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)).isoformat(),
        "where": "Karlova 12, Praha",
    }
    client.post(f"/api/v1/public/{world['org'].slug}/reports", json=body)
    queue = client.get("/api/v1/triage", headers=world["headers"]["coordinator"]).json()
    decided = client.post(
        f"/api/v1/reports/{queue[0]['id']}/triage",
        json={"action": "new_incident"},
        headers=world["headers"]["coordinator"],
    ).json()

    incident = client.get(
        f"/api/v1/incidents/{decided['incident_id']}", headers=world["headers"]["coordinator"]
    ).json()
    place = incident["place"]
    assert (place["country"], place["precision"]) == ("CZ", "city")
    assert abs(place["lat"] - 50.09) < 0.1 and abs(place["lon"] - 14.42) < 0.1


def test_pinned_point_is_kept_and_named_by_reverse_geocoding(
    client: TestClient, world: dict[str, Any]
) -> None:
    place = {"lat": 48.2085, "lon": 16.3721, "precision": "exact"}
    _, incident_id = submit_and_triage(client, world, place=place)

    got = client.get(f"/api/v1/incidents/{incident_id}", headers=world["headers"]["reporter"])
    assert got.json()["place"]["lat"] == 48.2085
    assert got.json()["place"]["country"] == "AT"
    assert got.json()["place"]["precision"] == "exact"


def test_list_filters_and_pages_together(client: TestClient, world: dict[str, Any]) -> None:
    h = world["headers"]
    submit_and_triage(client, world)
    submit_and_triage(client, world, type="threat", title="Phone threat", bias=[], ihra=[])

    page = client.get(
        "/api/v1/incidents",
        params={"type": "threat", "limit": 1, "offset": 0},
        headers=h["reporter"],
    )
    assert page.status_code == 200, page.text
    assert [i["title"] for i in page.json()["items"]] == ["Phone threat"]
    assert page.json()["total"] == 1
    assert page.json()["total_exact"] is True
    unknown = client.get("/api/v1/incidents", params={"colour": "red"}, headers=h["reporter"])
    assert unknown.status_code == 422


def test_list_counts_matches_up_to_a_limit(
    client: TestClient, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vigil.incidents import queries

    h = world["headers"]["reporter"]
    for n in range(5):
        submit_and_triage(client, world, title=f"Stickers at the tram stop {n}")
    monkeypatch.setattr(queries, "COUNT_LIMIT", 3)

    def listed(**params: Any) -> dict[str, Any]:
        got = client.get("/api/v1/incidents", params={"q": "sticker", **params}, headers=h)
        assert got.status_code == 200, got.text
        body: dict[str, Any] = got.json()
        return body

    capped = listed(limit=2)
    assert (capped["total"], capped["total_exact"]) == (3, False)
    assert len(capped["items"]) == 2
    # A page that ends past the limit is counted to its end, and one more.
    deep = listed(limit=2, offset=2)
    assert (deep["total"], deep["total_exact"]) == (4, False)
    last = listed(limit=2, offset=4)
    assert (last["total"], last["total_exact"]) == (5, True)
    assert [i["title"] for i in last["items"]] == ["Stickers at the tram stop 0"]  # the oldest
    monkeypatch.setattr(queries, "COUNT_LIMIT", 5)
    exact = listed(limit=2)
    assert (exact["total"], exact["total_exact"]) == (5, True)
