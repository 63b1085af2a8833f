"""MISP round trip with the real tools: an incident as a MISP event (pymisp's object model),
converted to STIX 2.1 by misp-stix, imported through the API; Vigil's export of the incident
(wrapped in a report, `?container=report`) converted back to MISP by misp-stix gives the
event's mapped fields again: info, TLP tag, event report, publication, geolocation, sender.

misp-stix carries no event `date` in either direction (it writes `timestamp` as the report's
`created`/`modified` and `publish_timestamp` as `published`), so the event's date Vigil keeps
and gives back is its publication (docs/stix.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.sharing.import_world import IMPORT, World, make_world
from tests.sharing.misp_events import (
    PLACE,
    REPORT_TEXT,
    SENDER_NAME,
    SENDER_UUID,
    geolocation,
    incident_event,
    report_texts,
    tags,
    tlp_tags,
    to_misp,
    to_stix,
)
from tests.sharing.stix_checks import assert_strictly_valid
from vigil.core.config import Settings

# MISP's TLP tags, the level Vigil keeps, and the tag the way back gives (TLP 2.0 words).
TLP_CASES = {
    "tlp:clear": ("clear", "tlp:clear"),
    "tlp:white": ("clear", "tlp:clear"),
    "tlp:green": ("green", "tlp:green"),
    "tlp:amber": ("amber", "tlp:amber"),
    "tlp:amber+strict": ("amber+strict", "tlp:amber+strict"),
}


def _epoch(value: Any) -> int:
    """A MISP timestamp, which pymisp holds as a datetime or as the seconds MISP sends."""
    return int(value.timestamp()) if isinstance(value, dt.datetime) else int(value)


def _import(client: TestClient, world: World, bundle: dict[str, Any]) -> dict[str, Any]:
    response = client.post(IMPORT, headers=world.headers, json=bundle)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("tag", list(TLP_CASES))
def test_a_misp_event_imports_as_an_incident_and_comes_back_with_its_mapped_fields(
    tag: str, client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    original = incident_event(tag)
    bundle = to_stix(original)
    assert [o["type"] for o in bundle["objects"] if o["type"] in ("report", "grouping")] == [
        "report"
    ]

    result = _import(client, world, bundle)

    level, tag_back = TLP_CASES[tag]
    assert result["counts"]["created"] == 1
    assert sorted(k["stix_type"] for k in result["kept"]) == ["x-misp-attribute"] * 2
    [sender] = result["senders"]
    assert sender["remote"] and sender["name"] == SENDER_NAME
    assert sender["stix_identity_id"] == f"identity--{SENDER_UUID}"
    [incident_id] = result["incident_ids"]
    got = client.get(f"/api/v1/incidents/{incident_id}", headers=world.headers).json()
    assert got["title"] == original.info
    assert got["tlp"] == level
    assert got["narrative"] == REPORT_TEXT
    assert dt.datetime.fromisoformat(got["occurred_from"]) == original.publish_timestamp
    assert got["owner_org_id"] == sender["org_id"] and got["source"] == "partner"
    place = got["place"]
    assert (place["city"], place["country"], place["precision"]) == ("Vienna", "AT", "exact")
    assert (place["lat"], place["lon"]) == (PLACE["latitude"], PLACE["longitude"])

    exported = client.get(
        f"/api/v1/sharing/stix/incidents/{incident_id}?container=report", headers=world.headers
    )

    assert exported.status_code == 200, exported.text
    assert_strictly_valid(exported.json())
    back = to_misp(exported.json())
    assert back.info == original.info
    assert tlp_tags(back) == {tag_back}
    assert report_texts(back) == [REPORT_TEXT]
    assert back.published and _epoch(back.publish_timestamp) == _epoch(original.publish_timestamp)
    assert geolocation(back) == PLACE
    assert f'misp-galaxy:producer="{SENDER_NAME}"' in tags(back)


def test_an_unpublished_event_is_a_grouping_and_happened_at_its_timestamp(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    original = incident_event("tlp:green", published=False)
    bundle = to_stix(original)
    assert "grouping" in {o["type"] for o in bundle["objects"]}

    result = _import(client, world, bundle)

    [incident_id] = result["incident_ids"]
    got = client.get(f"/api/v1/incidents/{incident_id}", headers=world.headers).json()
    assert got["title"] == original.info and got["tlp"] == "green"
    assert dt.datetime.fromisoformat(got["occurred_from"]) == original.timestamp
    again = _import(client, world, bundle)
    assert again["counts"]["unchanged"] == 1 and again["incident_ids"] == []


def test_a_red_misp_event_reaches_only_its_importer_and_never_leaves_again(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)

    result = _import(client, world, to_stix(incident_event("tlp:red")))

    [incident_id] = result["incident_ids"]
    got = client.get(f"/api/v1/incidents/{incident_id}", headers=world.headers)
    assert got.status_code == 200 and got.json()["tlp"] == "red"
    by_analyst = client.get(f"/api/v1/incidents/{incident_id}", headers=world.analyst_headers)
    assert by_analyst.status_code == 404
    preview = client.get(
        f"/api/v1/sharing/stix/incidents/{incident_id}?container=report", headers=world.headers
    )
    assert preview.status_code == 409, preview.text
    bundle = client.get("/api/v1/sharing/stix/bundle?container=report", headers=world.headers)
    assert bundle.status_code == 200, bundle.text
    assert not [o for o in bundle.json()["objects"] if o["type"] in ("incident", "report")]
