"""An incident's reports leave as STIX notes about it only where the owner's profile says so,
only those reaching every reader of the incident, and never who reported or how to reach them."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.sharing.stix_checks import assert_strictly_valid, objects_of
from tests.sharing.test_export_api import CONTACT, World, make_world, new_incident
from vigil.core.config import Settings

PROFILE = "/api/v1/sharing/profile"


def attach_report(client: TestClient, world: World, incident_id: int, tlp: str) -> None:
    body = {
        "title": f"Second account ({tlp})",
        "narrative": f"Another witness saw the same stickers ({tlp}).",
        "occurred_from": (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat(),
        "type": "literature",
        "bias": ["antisemitism"],
        "severity": "minor",
        "place": {"city": "Berlin", "country": "DE", "precision": "city"},
        "tlp": tlp,
        "contact": CONTACT,
    }
    report = client.post("/api/v1/reports", headers=world.owner_headers, json=body)
    assert report.status_code == 201, report.text
    triaged = client.post(
        f"/api/v1/reports/{report.json()['id']}/triage",
        headers=world.owner_headers,
        json={"action": "attach", "incident_id": incident_id},
    )
    assert triaged.status_code == 200, triaged.text


def test_reports_leave_as_notes_only_when_the_profile_shares_them(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    incident_id = new_incident(client, world, "green")
    attach_report(client, world, incident_id, "amber+strict")
    url = f"/api/v1/sharing/stix/incidents/{incident_id}"
    assert objects_of(client.get(url, headers=world.owner_headers).json(), "note") == []

    put = client.put(PROFILE, headers=world.owner_headers, json={"share_reports": True})
    assert put.status_code == 200, put.text
    assert put.json()["share_reports"] is True
    for response in (
        client.get(url, headers=world.owner_headers),
        client.get("/api/v1/sharing/stix/bundle", headers=world.owner_headers),
    ):
        bundle = response.json()
        assert_strictly_valid(bundle)
        incident = objects_of(bundle, "incident")[0]
        notes = [n for n in objects_of(bundle, "note") if n["object_refs"] == [incident["id"]]]
        assert [n["abstract"] for n in notes] == ["Stickers at the tram stop (green)"]
        assert notes[0]["content"] == "The witness saw two men put up stickers at night."
        assert notes[0]["object_marking_refs"] == incident["object_marking_refs"]
        assert notes[0]["created_by_ref"] == incident["created_by_ref"]
        for never in (
            "witness-anna",
            "5550123",
            world.coordinator.name,
            world.coordinator.email,
            "Oranienburger",
            "amber+strict",
        ):
            assert never not in response.text, never
