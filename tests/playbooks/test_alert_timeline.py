"""Alerts sent about an incident join its timeline (API, CSV, the room) and its CAP document
names the incident; each reader sees only the alerts they may read; an alert cannot name an
incident its sender may not read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.html import html, sign_in, submit
from tests.orgs.factories import make_org, make_person, token_headers
from tests.playbooks.factories import Team, give_site, make_team
from vigil.alerts.cap_xml import parse_cap, validate_generated
from vigil.alerts.models import Alert
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.policy import Role


def alert_body(incident_id: int | None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event": "Armed attack",
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Observed",
        "headline": "Attacker at the synagogue entrance",
        "instruction": "Keep everyone inside.",
        "area_desc": "Berlin",
        "cities": ["Berlin"],
        "expires": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat(),
        "incident_id": incident_id,
    }
    body.update(overrides)
    return body


def timeline(client: TestClient, team: Team, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/incidents/{team.incident_id}/timeline", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def test_an_alert_about_the_incident_is_on_its_timeline_and_names_it_in_cap(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    give_site(committed, settings, team)
    sent = client.post(
        "/api/v1/alerts?send=true",
        json=alert_body(team.incident_id),
        headers=team.coordinator_headers,
    )
    assert sent.status_code == 201, sent.text
    alert = sent.json()["alert"]
    assert alert["incident_id"] == team.incident_id and sent.json()["deliveries"] >= 1

    items = [i for i in timeline(client, team, team.member_headers) if i["kind"] == "alert"]
    assert [i["id"] for i in items] == [f"alert-{alert['id']}"]
    assert "Attacker at the synagogue entrance" in items[0]["text"]
    assert items[0]["author"] == team.coordinator.name
    csv = client.get(
        f"/api/v1/incidents/{team.incident_id}/timeline.csv", headers=team.member_headers
    )
    assert "Attacker at the synagogue entrance" in csv.text

    doc = client.get(f"/api/v1/alerts/{alert['id']}.cap.xml", headers=team.member_headers)
    validate_generated(doc.content)
    assert parse_cap(doc.content).incidents == f"incident-{team.incident_id}"

    # A draft is not on the timeline until it is sent.
    draft = client.post(
        "/api/v1/alerts", json=alert_body(team.incident_id), headers=team.coordinator_headers
    )
    assert draft.status_code == 201
    kinds = [i["kind"] for i in timeline(client, team, team.member_headers)]
    assert kinds.count("alert") == 1


def test_readers_see_only_the_alerts_they_may_read(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    give_site(committed, settings, team)
    # TLP:RED is for the named recipients only: the sender, not the rest of the organisation.
    red = client.post(
        "/api/v1/alerts?send=true",
        json=alert_body(team.incident_id, tlp="red", headline="Names of the suspects"),
        headers=team.coordinator_headers,
    )
    assert red.status_code == 201, red.text
    mine = [i["text"] for i in timeline(client, team, team.coordinator_headers)]
    theirs = [i["text"] for i in timeline(client, team, team.member_headers)]
    assert any("Names of the suspects" in t for t in mine)
    assert not any("Names of the suspects" in t for t in theirs)


def test_an_alert_cannot_name_an_incident_its_sender_may_not_read(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    other = make_org(committed)
    stranger = make_person(committed, settings, org=other, role=Role.coordinator)
    headers = token_headers(committed, stranger, other)
    committed.commit()
    with transaction(settings.sqlalchemy_url) as session:
        before = session.scalar(select(func.count(Alert.id)))
    refused = client.post("/api/v1/alerts", json=alert_body(team.incident_id), headers=headers)
    assert refused.status_code == 404, refused.text
    with transaction(settings.sqlalchemy_url) as session:
        assert session.scalar(select(func.count(Alert.id))) == before


def test_from_the_room_a_coordinator_sends_an_alert_about_the_incident(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    outsider = make_person(committed, settings, org=make_org(committed), role=Role.coordinator)
    committed.commit()
    room = f"/incidents/{team.incident_id}/room"
    sign_in(client, team.coordinator.email)
    compose = f"/alerts/new?incident_id={team.incident_id}"
    assert html(client.get(room)).find("a", href=compose)
    form = html(client.get(compose))
    hidden = form.find("input", name="incident_id")
    assert hidden.attrs["value"] == str(team.incident_id)
    assert form.find("input", name="area_desc").attrs["value"] == "Berlin"
    fields = {
        "incident_id": hidden.attrs["value"],
        "event": "Armed attack",
        "headline": "Stay inside, attacker near the synagogue",
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Observed",
        "area_desc": "Berlin",
        "cities": "Berlin",
        "expires_hours": "4",
        "tlp": "amber+strict",
        "step": "send",  # as the confirmation step posts it
    }
    sent = submit(client, compose, "/alerts/new", fields)
    assert sent.status_code == 303, sent.text
    timeline = html(client.get(room)).find("ol", class_="timeline")
    assert "Stay inside, attacker near the synagogue" in timeline.text

    client.cookies.clear()
    sign_in(client, outsider.email)
    assert client.get(compose).status_code == 404
