"""CSV import as issue 18 asks, through the API on SQLite and PostgreSQL: a row with only a city
is placed at its centre (a typing error is not), each row is looked up among the incidents the
importer may read and the dry run lists its likely duplicates by line, writing nothing; the
status column is kept when valid and refused by line otherwise; a file exported by one
organisation and imported by another keeps its status and says where it came from, while the
importer owns the records."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.incidents.test_transfer import csv_file, stored, upload
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.geo.distance import haversine_km
from vigil.incidents.models import Incident
from vigil.incidents.transfer import bulk_insert_incidents
from vigil.orgs.models import Organisation

PRAGUE = (50.0875, 14.4214)
AT = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)
COLUMNS = ["title", "narrative", "occurred_from", "type", "city", "country", "status"]
TITLE = "Antisemitic graffiti on the synagogue in Dušní street"


@dataclass
class World:
    org: Organisation
    other: Organisation
    headers: dict[str, str]  # a coordinator of org
    other_headers: dict[str, str]  # a coordinator of other
    existing: int  # org's incident in Prague at AT


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    org, other = make_org(committed, country="CZ"), make_org(committed, country="CZ")
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    theirs = make_person(committed, settings, org=other, role=Role.coordinator)
    [existing] = bulk_insert_incidents(
        session=committed,
        rows=[
            {
                "owner_org_id": org.id,
                "tlp": "amber",
                "title": TITLE,
                "narrative": "Graffiti sprayed on the synagogue wall in Dušní street.",
                "occurred_from": AT,
                "type": "damage",
                "source": "member",
                "status": "triaged",
                "lat": 50.0900,
                "lon": 14.4187,
                "city": "Praha",
                "country": "CZ",
                "precision": "exact",
            }
        ],
    )
    built = World(
        org,
        other,
        token_headers(committed, coordinator, org),
        token_headers(committed, theirs, other),
        existing,
    )
    committed.commit()
    return built


def row(**values: str) -> dict[str, str]:
    cells = {
        "title": "Graffiti sprayed on the synagogue, Dušní street",
        "narrative": "Antisemitic graffiti on the synagogue wall in Dušní street.",
        "occurred_from": (AT + dt.timedelta(minutes=30)).isoformat(),
        "type": "damage",
        "city": "Praha",
        "country": "CZ",
        "status": "",
    }
    cells.update(values)
    return cells


def test_a_dry_run_lists_each_lines_likely_duplicates_and_geocoding_and_writes_nothing(
    client: TestClient, world: World, committed: Session
) -> None:
    later = (AT - dt.timedelta(days=20)).isoformat()
    rows = [row(), row(occurred_from=later), row(city="Prgue"), row(city="Brno")]
    before = stored(committed)

    response = upload(client, world.headers, csv_file(rows, COLUMNS), dry_run=True)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["valid"] and report["errors"] == [] and report["checked_rows"] == 4
    lines = {line["line"]: line for line in report["lines"]}
    assert [d["incident_id"] for d in lines[2]["duplicates"]] == [world.existing]
    assert 0 < lines[2]["duplicates"][0]["score"] <= 1
    assert lines[3]["duplicates"] == []  # twenty days earlier
    assert lines[5]["duplicates"] == []  # another city
    assert lines[2]["geocoding"]["outcome"] == "placed"
    assert (lines[2]["geocoding"]["country"], lines[2]["geocoding"]["precision"]) == ("CZ", "city")
    assert lines[4]["geocoding"]["outcome"] == "similar_only"
    assert lines[4]["geocoding"]["city"] is None
    assert stored(committed) == before


def test_a_city_only_row_is_imported_at_its_centre_a_typing_error_without_a_point(
    client: TestClient, world: World, committed: Session
) -> None:
    response = upload(
        client, world.headers, csv_file([row(), row(city="Prgue")], COLUMNS), dry_run=False
    )

    assert response.status_code == 200, response.text
    placed, unplaced = (committed.get_one(Incident, i) for i in response.json()["incident_ids"])
    assert (placed.city, placed.country, placed.precision) == ("Praha", "CZ", "city")
    assert placed.lat is not None and placed.lon is not None
    assert haversine_km(placed.lat, placed.lon, *PRAGUE) < 10
    assert (unplaced.city, unplaced.lat, unplaced.lon) == ("Prgue", None, None)


@pytest.mark.parametrize("status", ["merged", "pending"])
def test_a_status_an_incident_cannot_arrive_with_is_a_line_error(
    client: TestClient, world: World, committed: Session, status: str
) -> None:
    before = stored(committed)
    rows = [row(status="verified"), row(status=status)]

    checked = upload(client, world.headers, csv_file(rows, COLUMNS), dry_run=True)
    committed_file = upload(client, world.headers, csv_file(rows, COLUMNS), dry_run=False)

    assert checked.status_code == 200, checked.text
    [error] = checked.json()["errors"]
    assert (error["line"], error["column"]) == (3, "status")
    assert status in error["message"] and "verified" in error["message"]
    assert [line["line"] for line in checked.json()["lines"]] == [2]
    assert committed_file.status_code == 422
    assert stored(committed) == before


def _exported(client: TestClient, headers: dict[str, str]) -> list[dict[str, str]]:
    response = client.get("/api/v1/incidents/export.csv", headers=headers)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def _file(rows: list[dict[str, str]]) -> bytes:
    return csv_file(rows, list(rows[0]))


def test_an_export_imported_elsewhere_keeps_status_and_source_and_belongs_to_the_importer(
    client: TestClient, world: World, committed: Session
) -> None:
    closed = client.patch(
        f"/api/v1/incidents/{world.existing}", headers=world.headers, json={"status": "verified"}
    )
    assert closed.status_code == 200, closed.text
    [cells] = _exported(client, world.headers)
    assert (cells["status"], cells["source_org"]) == ("verified", world.org.name)

    response = upload(client, world.other_headers, _file([cells]), dry_run=False)

    assert response.status_code == 200, response.text
    assert response.json()["ignored_columns"] == ["id", "source", "owner_org_id", "provenance"]
    [copy_id] = response.json()["incident_ids"]
    copy = committed.get_one(Incident, copy_id)
    assert (copy.owner_org_id, copy.status, copy.source) == (world.other.id, "verified", "import")
    assert copy.source_org == world.org.name
    shown = client.get(f"/api/v1/incidents/{copy_id}", headers=world.other_headers).json()
    assert shown["source_org"] == world.org.name
    items = client.get("/api/v1/incidents/export.json", headers=world.other_headers).json()
    [item] = [i for i in items["items"] if i["id"] == copy_id]
    assert item["provenance"] == {"organisation": world.org.name, "channel": "file", "peer": ""}
    # Exported again, the file still names the organisation it came from.
    [again] = _exported(client, world.other_headers)
    assert (again["source_org"], again["status"]) == (world.org.name, "verified")
    assert again["provenance"] == f"from a CSV import, {world.org.name}"


def test_an_organisations_own_export_imported_back_names_no_other_source(
    client: TestClient, world: World, committed: Session
) -> None:
    [cells] = _exported(client, world.headers)
    named = {**cells, "source_org": "", "organisation": "Partner Watch"}

    response = upload(client, world.headers, csv_file([cells, named], list(named)), dry_run=False)

    assert response.status_code == 200, response.text
    own, partner = (committed.get_one(Incident, i) for i in response.json()["incident_ids"])
    assert (own.source_org, partner.source_org) == ("", "Partner Watch")
    assert own.owner_org_id == partner.owner_org_id == world.org.id
    page = client.get("/api/v1/incidents/export.json", headers=world.headers).json()
    kinds = {i["id"]: i["provenance"] for i in page["items"]}
    assert kinds[own.id] is None and kinds[partner.id]["organisation"] == "Partner Watch"
