"""Sites CSV import (dry run listing errors by line and column, all-or-nothing commit) and the
CSV and GeoJSON exports, which hold only the sites the caller may see and never contacts."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.html import db_rows
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.sites.models import Site, SiteContact

IMPORT = "/api/v1/sites/import"
HEADER = "name,type,city,country,lat,lon,capacity,tlp,contact_name,contact_email\n"
GOOD = (
    "Synagogue Nord,place_of_worship,Berlin,DE,52.53,13.41,400,green,Rina Levy,rina@example.org\n"
    "Jewish School,school,Berlin,DE,52.52,13.40,600,amber+strict,,\n"
)


@pytest.fixture
def headers(committed: Session, settings: Settings) -> dict[str, dict[str, str]]:
    org, other = make_org(committed), make_org(committed)
    found = {
        role.value: token_headers(
            committed, make_person(committed, settings, org=org, role=role), org
        )
        for role in (Role.analyst, Role.coordinator)
    }
    found["outsider"] = token_headers(
        committed, make_person(committed, settings, org=other, role=Role.coordinator), other
    )
    committed.commit()
    return found


def upload(
    client: TestClient, text: str, headers: dict[str, str], *, dry_run: bool
) -> httpx.Response:
    return client.post(
        IMPORT,
        params={"dry_run": str(dry_run).lower()},
        files={"file": ("sites.csv", text.encode(), "text/csv")},
        headers=headers,
    )


def count(settings: Settings, model: type) -> int:
    return db_rows(settings, select(func.count()).select_from(model))[0]


def test_dry_run_lists_errors_by_line_and_column_and_commit_writes_nothing(
    client: TestClient, headers: dict, settings: Settings
) -> None:
    bad = (
        HEADER
        + GOOD
        + (
            "Stadium,arena,Graz,AT,47.05,15.45,-3,green,,\n"
            "Mall,shopping_centre,Prague,CZ,95,14.4,900,green,Someone,not-an-address\n"
        )
    )
    report = upload(client, bad, headers["coordinator"], dry_run=True)
    assert report.status_code == 200, report.text
    found = {(e["line"], e["column"]) for e in report.json()["errors"]}
    assert found == {(4, "type"), (4, "capacity"), (5, "lat"), (5, "contact_email")}
    assert report.json()["valid"] is False and report.json()["created"] == 0

    refused = upload(client, bad, headers["coordinator"], dry_run=False)
    assert refused.status_code == 422
    assert "line 4" in refused.json()["detail"]
    assert count(settings, Site) == 0 and count(settings, SiteContact) == 0


def test_header_problems_are_named(client: TestClient, headers: dict) -> None:
    response = upload(client, "name,kind,lat\nX,school,1\n", headers["coordinator"], dry_run=True)
    assert response.status_code == 422
    columns = {(e["line"], e["column"]) for e in response.json()["errors"]}
    assert columns == {(1, "kind"), (1, "type"), (1, "lon")}


def test_commit_creates_every_row_with_its_first_contact(
    client: TestClient, headers: dict, settings: Settings
) -> None:
    assert upload(client, HEADER + GOOD, headers["analyst"], dry_run=True).status_code == 403
    done = upload(client, HEADER + GOOD, headers["coordinator"], dry_run=False)
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 2
    assert count(settings, Site) == 2 and count(settings, SiteContact) == 1
    contacts = client.get(
        f"/api/v1/sites/{done.json()['site_ids'][0]}/contacts", headers=headers["coordinator"]
    ).json()
    assert contacts[0]["email"] == "rina@example.org"


def test_exports_hold_only_visible_sites_and_no_contacts(client: TestClient, headers: dict) -> None:
    upload(client, HEADER + GOOD, headers["coordinator"], dry_run=False)
    exported = client.get("/api/v1/sites/export.csv", headers=headers["analyst"])
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted(r["name"] for r in rows) == ["Jewish School", "Synagogue Nord"]
    assert "rina@example.org" not in exported.text and "contact_name" not in rows[0]

    geo = client.get("/api/v1/sites/export.geojson", headers=headers["analyst"]).json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 2
    assert geo["features"][0]["geometry"]["coordinates"][0] == pytest.approx(13.40)
    outsider = client.get("/api/v1/sites/export.geojson", headers=headers["outsider"]).json()
    assert outsider["features"] == []

    again = upload(client, exported.text, headers["coordinator"], dry_run=True)
    assert again.json()["valid"] is True and again.json()["ignored_columns"] == [
        "id",
        "owner_org_id",
    ]
    assert json.loads(json.dumps(again.json()))["rows"] == 2
