"""STIX import through the API: a bundle exported by another Vigil instance and a partner's
bundle made with `stix2` become records of their senders, shared with the importing
organisation under their TLP, with provenance; the same version again changes nothing, a newer
one updates; what Vigil does not map is kept raw and listed; only coordinators import."""

from __future__ import annotations

import copy
import json

import stix2
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.sharing.import_world import (
    IMPORT,
    PARTNER,
    counts,
    exported_bundle,
    make_world,
    new_incident,
    partner_bundle,
)
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.orgs.models import Organisation
from vigil.sharing import import_records
from vigil.sharing.ids import instance_namespace


def test_a_bundle_from_another_instance_round_trips_with_provenance_and_once(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    made = {tlp: new_incident(client, world, tlp) for tlp in ("clear", "green", "amber+strict")}
    bundle = exported_bundle(committed, settings, world)

    response = client.post(IMPORT, headers=world.headers, json=bundle)

    assert response.status_code == 201, response.text
    result = response.json()
    assert result["counts"]["created"] == 3
    assert len(result["incident_ids"]) == 3
    [sender] = result["senders"]
    assert sender["remote"] and sender["name"] == world.sender.name
    assert sender["org_id"] != world.sender.id  # another instance's organisation: a remote one
    originals = {
        client.get(f"/api/v1/incidents/{i}", headers=world.sender_headers).json()["title"]: i
        for i in made.values()
    }
    for incident_id in result["incident_ids"]:
        got = client.get(f"/api/v1/incidents/{incident_id}", headers=world.headers)
        assert got.status_code == 200, got.text
        copy_ = got.json()
        original = client.get(
            f"/api/v1/incidents/{originals[copy_['title']]}", headers=world.sender_headers
        ).json()
        for field in ("type", "bias", "ihra", "severity", "target_kind", "tlp", "status"):
            assert copy_[field] == original[field], field
        assert copy_["place"]["city"] == "Berlin" and copy_["place"]["country"] == "DE"
        assert copy_["owner_org_id"] == sender["org_id"] and copy_["source"] == "partner"
        [provenance] = import_records.provenance_of_incident(committed, incident_id)
        stix = next(o for o in bundle["objects"] if o["id"] == provenance.stix_id)
        assert provenance.outcome == "created" and stix["name"] == copy_["title"]
        assert provenance.version is not None
    entry = committed.scalar(select(AuditEntry).where(AuditEntry.action == "sharing.import"))
    assert entry is not None and entry.org_id == world.importer.id

    again = client.post(IMPORT, headers=world.headers, json=bundle)

    assert again.status_code == 201, again.text
    assert again.json()["counts"]["unchanged"] == 3 and again.json()["incident_ids"] == []
    assert counts(settings)[0] == 6  # three originals, three imported, none twice


def test_a_newer_version_updates_the_record_and_an_older_one_is_ignored(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    first = partner_bundle()
    created = client.post(IMPORT, headers=world.headers, json=first).json()
    [incident_id] = created["incident_ids"]
    newer = copy.deepcopy(first)
    incident = next(o for o in newer["objects"] if o["type"] == "incident")
    incident["modified"] = "2026-03-15T08:00:00.000Z"
    incident["name"] = "Graffiti, broken windows and a threat letter"

    updated = client.post(IMPORT, headers=world.headers, json=newer)

    assert updated.status_code == 201, updated.text
    assert updated.json()["counts"]["updated"] == 1
    assert updated.json()["incident_ids"] == [incident_id]
    got = client.get(f"/api/v1/incidents/{incident_id}", headers=world.headers).json()
    assert got["title"] == "Graffiti, broken windows and a threat letter"
    older = client.post(IMPORT, headers=world.headers, json=first)
    assert older.json()["counts"]["outdated"] == 1
    got = client.get(f"/api/v1/incidents/{incident_id}", headers=world.headers).json()
    assert got["title"] == "Graffiti, broken windows and a threat letter"


def test_this_instances_own_records_coming_back_are_not_imported_again(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    new_incident(client, world, "green")
    namespace = str(instance_namespace(settings))
    bundle = exported_bundle(committed, settings, world, namespace=namespace)

    response = client.post(IMPORT, headers=world.headers, json=bundle)

    assert response.status_code == 201, response.text
    assert response.json()["counts"]["local"] >= 2  # the incident and its organisation
    assert response.json()["incident_ids"] == []
    assert counts(settings)[0] == 1


def test_a_partners_bundle_maps_what_it_can_and_keeps_the_indicator_raw(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    bundle = partner_bundle()

    response = client.post(IMPORT, headers=world.headers, json=bundle)

    assert response.status_code == 201, response.text
    result = response.json()
    assert [k["stix_type"] for k in result["kept"]] == ["indicator"]
    assert result["counts"] == {"used": 4, "created": 1, "kept": 1}
    [incident_id] = result["incident_ids"]
    got = client.get(f"/api/v1/incidents/{incident_id}", headers=world.headers).json()
    assert got["type"] == "other" and got["tlp"] == "amber"
    assert got["place"]["city"] == "Vienna" and got["place"]["country"] == "AT"
    assert got["occurred_from"].startswith("2026-03-14T02:30:00")
    remote = committed.scalar(
        select(Organisation).where(Organisation.stix_identity_id == PARTNER.id)
    )
    assert remote is not None and remote.remote and remote.kind == "ngo"
    assert got["owner_org_id"] == remote.id
    later = client.get(f"/api/v1/sharing/stix/imports/{result['id']}", headers=world.headers)
    assert later.status_code == 200 and later.json()["kept"] == result["kept"]
    hidden = client.get(f"/api/v1/incidents/{incident_id}", headers=world.outsider_headers)
    assert hidden.status_code == 404  # AMBER reaches the importing organisation only


def test_tlp_1_markings_are_mapped_and_red_reaches_only_the_importer(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    levels = {}
    for n, (marking, expected) in enumerate(
        [
            (stix2.TLP_WHITE, "clear"),
            (stix2.TLP_GREEN, "green"),
            (stix2.TLP_AMBER, "amber"),
            (stix2.TLP_RED, "red"),
        ]
    ):
        stix_id = f"incident--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d{n:02d}"
        bundle = partner_bundle(marking=marking, id=stix_id)
        result = client.post(IMPORT, headers=world.headers, json=bundle)
        assert result.status_code == 201, result.text
        [incident_id] = result.json()["incident_ids"]
        levels[incident_id] = expected
    for incident_id, expected in levels.items():
        got = client.get(f"/api/v1/incidents/{incident_id}", headers=world.headers)
        assert got.json()["tlp"] == expected
        by_analyst = client.get(f"/api/v1/incidents/{incident_id}", headers=world.analyst_headers)
        assert by_analyst.status_code == (404 if expected == "red" else 200)


def test_an_unmarked_incident_takes_the_default_tlp_amber_strict(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    bundle = partner_bundle()
    for obj in bundle["objects"]:
        obj.pop("object_marking_refs", None)
    bundle["objects"] = [o for o in bundle["objects"] if o["type"] != "marking-definition"]

    result = client.post(IMPORT, headers=world.headers, json=bundle)

    assert result.status_code == 201, result.text
    [incident_id] = result.json()["incident_ids"]
    got = client.get(f"/api/v1/incidents/{incident_id}", headers=world.analyst_headers)
    assert got.json()["tlp"] == "amber+strict"


def test_only_coordinators_of_the_importing_organisation_import(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    bundle = partner_bundle()
    for headers in (world.viewer_headers, world.analyst_headers):
        refused = client.post(IMPORT, headers=headers, json=bundle)
        assert refused.status_code == 403, refused.text
    as_other = {**world.outsider_headers, "X-Vigil-Org": str(world.importer.id)}
    refused = client.post(IMPORT, headers=as_other, json=bundle)
    assert refused.status_code in (403, 422), refused.text
    assert counts(settings) == (0, 0)
    made = client.post(IMPORT, headers=world.headers, json=bundle).json()
    seen = client.get(f"/api/v1/sharing/stix/imports/{made['id']}", headers=world.outsider_headers)
    assert seen.status_code == 404


def test_a_file_upload_imports_like_the_body(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = make_world(committed, settings)
    raw = json.dumps(partner_bundle()).encode()

    response = client.post(
        IMPORT, headers=world.headers, files={"file": ("partner.json", raw, "application/json")}
    )

    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "partner.json"
    assert response.json()["counts"]["created"] == 1
