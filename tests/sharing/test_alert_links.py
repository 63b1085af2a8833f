"""An incident's STIX object points at the CAP documents of the alerts about it, but only at
those every reader of the incident may read: never a draft, never a more restricted alert."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.sharing.stix_checks import assert_strictly_valid, objects_of
from tests.sharing.test_export_api import make_world, new_incident
from vigil.core.config import Settings


def alert(
    client: TestClient, headers: dict[str, str], incident_id: int, tlp: str, send: bool
) -> dict[str, Any]:
    body = {
        "event": f"Stickers ({tlp}, {'sent' if send else 'draft'})",
        "urgency": "Expected",
        "severity": "Minor",
        "certainty": "Observed",
        "area_desc": "Berlin",
        "cities": ["Berlin"],
        "expires": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat(),
        "incident_id": incident_id,
        "tlp": tlp,
    }
    response = client.post(f"/api/v1/alerts?send={str(send).lower()}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()["alert"]
    return made


def test_only_alerts_reaching_every_reader_of_the_incident_are_named(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    incident_id = new_incident(client, world, "green")
    url = f"/api/v1/sharing/stix/incidents/{incident_id}"
    before = client.get(url, headers=world.owner_headers).json()
    assert "external_references" not in objects_of(before, "incident")[0]

    sent = alert(client, world.owner_headers, incident_id, "green", send=True)
    draft = alert(client, world.owner_headers, incident_id, "clear", send=False)
    amber = alert(client, world.owner_headers, incident_id, "amber", send=True)
    red = alert(client, world.owner_headers, incident_id, "red", send=True)

    bundle = client.get(url, headers=world.owner_headers).json()
    assert_strictly_valid(bundle)
    incident = objects_of(bundle, "incident")[0]
    assert incident["external_references"] == [
        {
            "source_name": "cap",
            "external_id": sent["identifier"],
            "description": (
                f"CAP 1.2 document: {settings.public_url}/api/v1/alerts/{sent['id']}.cap.xml"
            ),
        }
    ]
    assert incident["modified"] > objects_of(before, "incident")[0]["modified"]
    text = client.get("/api/v1/sharing/stix/bundle", headers=world.owner_headers).text
    assert sent["identifier"] in text
    for hidden in (draft, amber, red):
        assert hidden["identifier"] not in text
        assert f"/alerts/{hidden['id']}.cap.xml" not in text


def test_a_green_alert_is_not_named_on_a_clear_incident(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    incident_id = new_incident(client, world, "clear")
    green = alert(client, world.owner_headers, incident_id, "green", send=True)
    clear = alert(client, world.owner_headers, incident_id, "clear", send=True)
    bundle = client.get(
        f"/api/v1/sharing/stix/incidents/{incident_id}", headers=world.owner_headers
    ).json()
    assert_strictly_valid(bundle)
    names = [r["external_id"] for r in objects_of(bundle, "incident")[0]["external_references"]]
    assert names == [clear["identifier"]] and green["identifier"] not in names
