"""The incidents issue's "done when", end to end through the API on both databases: a member of
the public reports anonymously, a coordinator triages it into an incident, a second witness's
report is suggested as a duplicate and attached, and the incident is exported as GeoJSON by an
analyst who may see it and is absent from the export of one who may not."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import Role


def test_anonymous_report_to_shared_export(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    security = make_org(committed)
    security.accepts_public_reports = True
    police, stranger = make_org(committed), make_org(committed)
    make_network(committed, security, police)
    coordinator = token_headers(
        committed, make_person(committed, settings, org=security, role=Role.coordinator)
    )
    witness = token_headers(
        committed, make_person(committed, settings, org=security, role=Role.reporter)
    )
    police_analyst = token_headers(
        committed, make_person(committed, settings, org=police, role=Role.analyst)
    )
    stranger_analyst = token_headers(
        committed, make_person(committed, settings, org=stranger, role=Role.analyst)
    )
    committed.commit()
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=4)

    receipt = client.post(
        f"/api/v1/public/{security.slug}/reports",
        json={
            "what_happened": "A man threw stones at the synagogue windows and shouted threats.",
            "when": when.isoformat(),
            "where": "Oranienburger Str. 30, Berlin",
        },
    ).json()["receipt"]
    queued = client.get("/api/v1/triage", headers=coordinator).json()
    assert len(queued) == 1
    incident_id = client.post(
        f"/api/v1/reports/{queued[0]['id']}/triage",
        json={"action": "new_incident"},
        headers=coordinator,
    ).json()["incident_id"]
    assert client.get(f"/api/v1/public/receipts/{receipt}").json()["status"] == "being handled"

    second = client.post(
        "/api/v1/reports",
        headers=witness,
        json={
            "title": "Stones thrown at the synagogue windows, man shouting threats",
            "narrative": "A man threw stones at the windows of the synagogue and shouted.",
            "occurred_from": (when + dt.timedelta(minutes=20)).isoformat(),
            "place": {"city": "Berlin", "country": "DE"},
            "type": "threat",
        },
    ).json()
    suggested = [c for c in second["duplicates"] if c["suggested"]]
    assert [c["incident_id"] for c in suggested] == [incident_id]
    assert suggested[0]["reasons"]
    client.post(
        f"/api/v1/reports/{second['id']}/triage",
        json={"action": "attach", "incident_id": incident_id},
        headers=coordinator,
    )
    reports = client.get(f"/api/v1/incidents/{incident_id}/reports", headers=coordinator).json()
    assert len(reports) == 2
    shared = client.patch(
        f"/api/v1/incidents/{incident_id}", json={"tlp": "green"}, headers=coordinator
    )
    assert shared.status_code == 200, shared.text

    police_export = client.get("/api/v1/incidents/export.geojson", headers=police_analyst)
    stranger_export = client.get("/api/v1/incidents/export.geojson", headers=stranger_analyst)

    assert police_export.status_code == 200
    features = police_export.json()["features"]
    assert [f["id"] for f in features] == [incident_id]
    lon, lat = features[0]["geometry"]["coordinates"]
    assert abs(lat - 52.52) < 0.2 and abs(lon - 13.4) < 0.2
    assert stranger_export.json()["features"] == []
