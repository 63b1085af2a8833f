"""Received incidents keep their provenance everywhere (DECISIONS 30): the incident page, the
list and the CSV, JSON and GeoJSON exports say where they came from (a peer or a person's STIX
import, and the organisation that made them); a re-export names them by their sender's STIX id
and identity, so that a partner sees the same object, over TAXII too."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import html, sign_in
from tests.sharing.import_world import IMPORT, PARTNER
from tests.sharing.provenance_world import (
    PEER_NAME,
    POLICE,
    POLICE_INCIDENT,
    POLICE_MODIFIED,
    Received,
    receive,
)
from tests.sharing.stix_checks import assert_strictly_valid, objects_of
from vigil.core.config import Settings
from vigil.sharing import store
from vigil.sharing.models import StixObject

PARTNER_INCIDENT = "incident--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"


def _local_incident(client: TestClient, received: Received) -> int:
    """An incident the importing organisation made itself, which has no provenance."""
    body = {
        "title": "Leaflets in the letterbox",
        "occurred_from": "2026-04-01T10:00:00+00:00",
        "type": "literature",
        "place": {"city": "Berlin", "country": "DE", "precision": "city"},
        "tlp": "amber",
    }
    headers = received.world.headers
    report = client.post("/api/v1/reports", headers=headers, json=body)
    assert report.status_code == 201, report.text
    triaged = client.post(
        f"/api/v1/reports/{report.json()['id']}/triage",
        headers=headers,
        json={"action": "new_incident"},
    )
    assert triaged.status_code == 200, triaged.text
    return int(triaged.json()["incident_id"])


def test_the_incident_page_says_where_a_received_incident_came_from(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    local = _local_incident(client, received)
    sign_in(client, received.world.coordinator.email)

    by_file = html(client.get(f"/incidents/{received.from_file}")).find("p", id="provenance")
    by_peer = html(client.get(f"/incidents/{received.from_peer}")).find("p", id="provenance")
    own = html(client.get(f"/incidents/{local}"))

    assert by_file.find("span").attrs["data-provenance"] == "import"
    assert by_file.text.strip() == f"from a STIX import, {PARTNER.name}"
    assert by_peer.find("span").attrs["data-provenance"] == "peer"
    assert by_peer.text.strip() == f"from {PEER_NAME} (peer), {POLICE.name}"
    assert own.find_all("p", id="provenance") == []
    assert own.find("h1").text.startswith(f"#{local} ")


def test_the_incident_list_marks_each_received_incident_with_its_provenance(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    local = _local_incident(client, received)
    sign_in(client, received.world.coordinator.email)

    page = html(client.get("/incidents"))

    lines = {}
    for row in page.find("table", class_="incident-table").find_all("tr")[1:]:
        link = row.find("a").attrs["href"]
        badges = row.find_all("span", class_="provenance")
        lines[int(link.rsplit("/", 1)[1])] = badges[0].text.strip() if badges else None
    assert lines == {
        received.from_file: f"from a STIX import, {PARTNER.name}",
        received.from_peer: f"from {PEER_NAME} (peer), {POLICE.name}",
        local: None,
    }


def test_every_export_format_carries_the_provenance(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    local = _local_incident(client, received)
    headers = received.world.analyst_headers
    expected_text = {
        received.from_file: f"from a STIX import, {PARTNER.name}",
        received.from_peer: f"from {PEER_NAME} (peer), {POLICE.name}",
        local: "",
    }
    expected_json = {
        received.from_file: {"organisation": PARTNER.name, "channel": "import", "peer": ""},
        received.from_peer: {"organisation": POLICE.name, "channel": "peer", "peer": PEER_NAME},
        local: None,
    }

    as_csv = client.get("/api/v1/incidents/export.csv", headers=headers)
    as_json = client.get("/api/v1/incidents/export.json", headers=headers)
    as_geojson = client.get("/api/v1/incidents/export.geojson", headers=headers)

    assert as_csv.status_code == as_json.status_code == as_geojson.status_code == 200
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {int(r["id"]): r["provenance"] for r in rows} == expected_text
    items = as_json.json()["items"]
    assert {i["id"]: i["provenance"] for i in items} == expected_json
    features = as_geojson.json()["features"]
    assert {f["id"]: f["properties"]["provenance"] for f in features} == expected_json


def test_an_exported_csv_with_provenance_imports_back_ignoring_it(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    exported = client.get("/api/v1/incidents/export.csv", headers=received.world.headers)

    response = client.post(
        "/api/v1/incidents/import",
        headers=received.world.headers,
        files={"file": ("back.csv", exported.content, "text/csv")},
        params={"dry_run": "true"},
    )

    assert response.status_code == 200, response.text
    assert "provenance" in response.json()["ignored_columns"]
    assert response.json()["errors"] == []


def test_a_received_incident_leaves_again_as_its_senders_object(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    headers = received.world.analyst_headers

    preview = client.get(f"/api/v1/sharing/stix/incidents/{received.from_peer}", headers=headers)
    bundle = client.get("/api/v1/sharing/stix/bundle", headers=headers)

    assert preview.status_code == bundle.status_code == 200, preview.text
    assert_strictly_valid(preview.json())
    assert_strictly_valid(bundle.json())
    [incident] = objects_of(preview.json(), "incident")
    assert incident["id"] == POLICE_INCIDENT
    assert incident["created_by_ref"] == POLICE.id
    assert incident["modified"] == POLICE_MODIFIED
    assert incident["created"] <= incident["modified"]
    [police] = [o for o in objects_of(preview.json(), "identity") if o["id"] == POLICE.id]
    assert police["name"] == POLICE.name
    exported = {o["id"]: o for o in objects_of(bundle.json(), "incident")}
    assert exported[PARTNER_INCIDENT]["created_by_ref"] == PARTNER.id
    assert exported[POLICE_INCIDENT]["created_by_ref"] == POLICE.id


def test_a_partner_importing_the_re_export_sees_the_same_object_unchanged(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    again = client.get(
        f"/api/v1/sharing/stix/incidents/{received.from_peer}",
        headers=received.world.analyst_headers,
    ).json()

    response = client.post(IMPORT, headers=received.world.headers, json=again)

    assert response.status_code == 201, response.text
    [record] = [r for r in response.json()["records"] if r["stix_type"] == "incident"]
    assert record["outcome"] == "unchanged"
    assert record["incident_id"] == received.from_peer


def test_the_taxii_store_holds_a_received_incident_under_its_senders_id(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)

    store.refresh(committed, settings, since=None)
    committed.commit()

    [row] = committed.scalars(select(StixObject).where(StixObject.stix_id == POLICE_INCIDENT))
    assert row.record_id == received.from_peer
    assert row.owner_org_id != received.world.importer.id
    assert committed.scalars(select(StixObject).where(StixObject.stix_id == POLICE.id)).first()
