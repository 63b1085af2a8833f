"""A bundle shaped as OpenCTI exports it (tests/data/opencti_incidents.json, written after
OpenCTI's STIX 2.1: `x_opencti_*` properties, its TLP markings with `x_opencti_definition`,
TLP:AMBER+STRICT as a statement marking of its own id, locations named by `name` with
`x_opencti_location_type`, an incident that `targets` a city located at its country) imports:
its incidents become records of the sending organisation, a remote one, at their TLP, with
title, dates, severity and place; what Vigil does not map is kept raw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.sharing.import_world import IMPORT, make_world
from vigil.core.config import Settings
from vigil.orgs.models import Organisation

BUNDLE = Path(__file__).parent.parent / "data" / "opencti_incidents.json"
SENDER = "identity--2d9c7b1e-4f3a-4c8d-b6e5-9a0f1e2d3c47"
STONES = "incident--4b1f0c9e-2d7a-4e3b-9c55-1a8e6f2d3b70"
LETTER = "incident--6e2a8c4f-0b9d-4a7e-b3c1-5f8e2d6a9c07"


def _bundle() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(BUNDLE.read_text(encoding="utf-8"))
    return loaded


def test_an_opencti_bundle_imports_with_tlp_sender_title_dates_and_place(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)

    response = client.post(IMPORT, headers=world.headers, json=_bundle())

    assert response.status_code == 201, response.text
    result = response.json()
    assert result["counts"] == {"used": 8, "created": 2, "kept": 2}
    assert sorted(k["stix_type"] for k in result["kept"]) == ["relationship", "threat-actor"]
    [sender] = result["senders"]
    assert sender["remote"] and sender["name"] == "Berlin Community Security Network"
    assert sender["stix_identity_id"] == SENDER
    remote = committed.scalar(select(Organisation).where(Organisation.stix_identity_id == SENDER))
    assert remote is not None and remote.remote and remote.id == sender["org_id"]
    made = {r["stix_id"]: r["incident_id"] for r in result["records"]}
    stones = client.get(f"/api/v1/incidents/{made[STONES]}", headers=world.headers).json()
    assert stones["title"] == "Stones thrown at the synagogue's windows"
    assert stones["narrative"].startswith("Two people threw stones")
    assert stones["tlp"] == "amber+strict"  # OpenCTI's own marking, read by its definition
    assert stones["occurred_from"].startswith("2026-02-10T19:15:00")
    assert stones["occurred_to"].startswith("2026-02-10T19:40:00")
    assert stones["severity"] == "severe" and stones["type"] == "other"
    assert stones["owner_org_id"] == remote.id and stones["source"] == "partner"
    place = stones["place"]
    assert (place["city"], place["country"], place["precision"]) == ("Berlin", "DE", "city")
    letter = client.get(f"/api/v1/incidents/{made[LETTER]}", headers=world.headers).json()
    assert letter["title"] == "Threatening letter sent to the community centre"
    assert letter["tlp"] == "amber"
    assert letter["occurred_from"].startswith("2026-02-18T07:30:00")
    assert letter["occurred_to"] is None and letter["severity"] == "extreme"
    assert (letter["place"]["country"], letter["place"]["precision"]) == ("DE", "country")
    for incident_id in made.values():
        hidden = client.get(f"/api/v1/incidents/{incident_id}", headers=world.outsider_headers)
        assert hidden.status_code == 404  # AMBER and AMBER+STRICT: the importing organisation


def test_an_opencti_marking_that_is_no_tlp_does_not_count_as_one(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    bundle = _bundle()
    test_marking = {
        "id": "marking-definition--78ca4366-f5b8-4764-83f7-34ce38198e27",
        "type": "marking-definition",
        "spec_version": "2.1",
        "definition_type": "TLP",
        "definition": {"TLP": "TLP:TEST"},
        "created": "2025-11-01T09:00:00.000Z",
        "x_opencti_definition_type": "TLP",
        "x_opencti_definition": "TLP:TEST",
        "x_opencti_color": "#000000",
        "x_opencti_order": 0,
    }
    bundle["objects"].append(test_marking)
    for obj in bundle["objects"]:
        if obj["id"] == LETTER:  # TLP:AMBER and TLP:TEST: AMBER
            obj["object_marking_refs"].append(test_marking["id"])
        if obj["id"] == STONES:  # TLP:TEST only: unmarked, the default
            obj["object_marking_refs"] = [test_marking["id"]]

    response = client.post(IMPORT, headers=world.headers, json=bundle)

    assert response.status_code == 201, response.text
    made = {r["stix_id"]: r["tlp"] for r in response.json()["records"]}
    assert made == {STONES: "amber+strict", LETTER: "amber"}


def test_loose_objects_vigil_only_keeps_and_an_incident_without_a_sender_import(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    """What OpenCTI's own test exports carry: objects without spec_version or timestamps,
    references to objects left out of the export, an incident that names no sender in a
    bundle of two identities. The objects are kept as they came; the incident belongs to the
    unattributed remote organisation, never to the importing one."""
    world = make_world(committed, settings)
    bundle = _bundle()
    loose = [
        {
            "id": "observed-data--1e5a9c3d-7f2b-4d8e-a6c0-3b9e1d5f7a24",
            "type": "observed-data",
            "spec_version": "2.1",
            "number_observed": 1,
            "first_observed": "2026-02-10T19:15:00.000Z",
            "last_observed": "2026-02-10T19:15:00.000Z",
            "object_refs": ["url--9a3c5e7b-1d2f-4a6e-8b0c-2d4f6a8c0e13"],
        },
        {
            "id": "relationship--8c2e4a6f-0b1d-4e3a-9c57-1e3a5c7e9b02",
            "type": "relationship",
            "relationship_type": "mitigates",
            "source_ref": "course-of-action--4d6f8a0c-2e3b-4c5d-9e7f-1a3c5e7a9c11",
            "target_ref": "attack-pattern--6f8a0c2e-4b5d-4e6f-8a9b-3c5e7a9c1e22",
            "created": "2025-04-25T20:53:08.446Z",
            "modified": "2025-07-24T14:18:49.366Z",
        },
        {
            "id": "identity--3c7e1a5f-9d2b-4f6c-b8e4-0a2c4e6f8b35",
            "type": "identity",
            "spec_version": "2.1",
            "name": "CIRCL",
            "identity_class": "organization",
            "created": "2025-02-25T22:23:20.648Z",
            "modified": "2025-02-25T22:23:20.648Z",
        },
        {
            "id": "incident--2a4c6e8f-0b1d-4e3f-a5c7-9e1b3d5f7a46",
            "type": "incident",
            "spec_version": "2.1",
            "name": "Incident without an author",
            "created": "2026-02-20T10:00:00.000Z",
            "modified": "2026-02-20T10:00:00.000Z",
        },
    ]
    bundle["objects"] += loose

    response = client.post(IMPORT, headers=world.headers, json=bundle)

    assert response.status_code == 201, response.text
    result = response.json()
    assert result["counts"]["created"] == 3
    kept = {k["stix_id"] for k in result["kept"]}
    assert {loose[0]["id"], loose[1]["id"], loose[2]["id"]} <= kept
    [record] = [r for r in result["records"] if r["stix_id"] == loose[3]["id"]]
    senders = {s["org_id"]: s for s in result["senders"]}
    unattributed = senders[record["sender_org_id"]]
    assert unattributed["remote"] and unattributed["name"].startswith("Unattributed")
    assert unattributed["org_id"] != world.importer.id
    loose[3]["created_by_ref"] = "identity--3c7e1a5f-9d2b-4f6c-b8e4-0a2c4e6f8b35"
    loose[3]["modified"] = "2026-02-21T10:00:00.000Z"
    claimed = client.post(IMPORT, headers=world.headers, json=bundle)
    assert claimed.status_code == 422, claimed.text
    assert "came before from another organisation" in claimed.json()["detail"]
