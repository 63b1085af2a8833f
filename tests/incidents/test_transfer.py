"""Incident export (CSV, JSON, GeoJSON) and CSV import, through the API on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person, token_headers
from vigil.app import create_app
from vigil.core.audit import AuditEntry, AuditSeal
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.incidents.csv_import import validate_row
from vigil.incidents.models import Incident, IncidentCode, Report, ReportVersion
from vigil.incidents.transfer import bulk_insert_incidents
from vigil.incidents.transfer_api import router as transfer_router

EXPORT_CSV = "/api/v1/incidents/export.csv"
IMPORT = "/api/v1/incidents/import"
RECENTLY = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app, with the transfer routes ahead of `/incidents/{id}` until app.py mounts them."""
    app = create_app(settings)
    routes = app.router.routes
    if EXPORT_CSV not in {getattr(r, "path", None) for r in routes}:
        before = len(routes)
        app.include_router(transfer_router)
        added = routes[before:]
        del routes[before:]
        routes[0:0] = added
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client


def incident(org_id: int, tlp: str, title: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "owner_org_id": org_id,
        "tlp": tlp,
        "title": title,
        "occurred_from": RECENTLY,
        "type": "damage",
        "source": "member",
        "status": "triaged",
        "city": "Berlin",
        "country": "DE",
    }
    row.update(values)
    return row


@pytest.fixture
def world(committed: Session, settings: Settings) -> dict[str, Any]:
    org_a, org_b = make_org(committed), make_org(committed)
    people = {
        role: make_person(committed, settings, org=org_a, role=role)
        for role in (Role.viewer, Role.analyst, Role.coordinator)
    }
    ids = bulk_insert_incidents(
        session=committed,
        rows=[
            incident(org_a.id, "amber+strict", "A point", lat=52.52, lon=13.405, bias=["gender"]),
            incident(org_a.id, "green", "A no point", city="Munich"),
            incident(org_b.id, "amber", "B amber"),
            incident(org_b.id, "red", "B red"),
            incident(org_b.id, "clear", "B clear"),
        ],
    )
    headers = {role.value: token_headers(committed, p, org_a) for role, p in people.items()}
    committed.commit()
    names = ["a_point", "a_none", "b_amber", "b_red", "b_clear"]
    return {"ids": dict(zip(names, ids, strict=True)), **headers}


def test_export_shows_only_visible_incidents_in_every_format_and_is_audited(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    ids = world["ids"]
    visible = {ids["a_point"], ids["a_none"], ids["b_clear"]}
    h = world["analyst"]

    as_csv = client.get(EXPORT_CSV, headers=h)
    as_json = client.get("/api/v1/incidents/export.json", headers=h)
    as_geojson = client.get("/api/v1/incidents/export.geojson", headers=h)
    filtered = client.get("/api/v1/incidents/export.json?city=munich", headers=h)

    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {int(r["id"]) for r in csv_rows} == visible
    assert {r["title"] for r in csv_rows} == {"A point", "A no point", "B clear"}
    assert {i["id"] for i in as_json.json()["items"]} == visible
    assert {f["id"] for f in as_geojson.json()["features"]} == visible
    assert [i["id"] for i in filtered.json()["items"]] == [ids["a_none"]]
    exported = committed.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "incident.export")
    ).all()
    assert sorted(json.loads(d)["rows"] for d in exported) == [1, 3, 3, 3]
    unsealed = select(AuditEntry.id).where(
        AuditEntry.action == "incident.export", AuditEntry.id.not_in(select(AuditSeal.entry_id))
    )
    assert committed.scalars(unsealed).all() == []


def test_geojson_is_a_feature_collection_with_lon_lat_points(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = client.get("/api/v1/incidents/export.geojson", headers=world["analyst"])

    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = {f["id"]: f for f in collection["features"]}
    assert all(f["type"] == "Feature" for f in features.values())
    point = features[world["ids"]["a_point"]]
    assert point["geometry"] == {"type": "Point", "coordinates": [13.405, 52.52]}
    assert point["properties"]["bias"] == ["gender"]
    assert features[world["ids"]["a_none"]]["geometry"] is None


def test_viewer_may_not_export(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    for fmt in ("csv", "json", "geojson"):
        response = client.get(f"/api/v1/incidents/export.{fmt}", headers=world["viewer"])
        assert response.status_code == 403, fmt
    assert (
        committed.scalar(select(AuditEntry.id).where(AuditEntry.action == "incident.export"))
        is None
    )


@pytest.mark.parametrize("bound", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:00-01:00"])
def test_date_bound_outside_the_calendar_is_a_422_naming_the_field(
    client: TestClient, world: dict[str, Any], bound: str
) -> None:
    for fmt in ("csv", "json", "geojson"):
        response = client.get(
            f"/api/v1/incidents/export.{fmt}",
            params={"occurred_after": bound, "occurred_before": bound},
            headers=world["analyst"],
        )
        assert response.status_code == 422, (fmt, response.text)
        assert "between 1900 and 2200" in response.text
    listed = client.get(
        "/api/v1/incidents", params={"occurred_after": bound}, headers=world["analyst"]
    )
    assert listed.status_code == 422


COLUMNS = ["title", "occurred_from", "type", "city", "country", "lat", "lon", "bias", "ihra"]


def good_row(n: int, **overrides: str) -> dict[str, str]:
    row = {
        "title": f"Stickers on the community centre {n}",
        "occurred_from": (RECENTLY - dt.timedelta(days=n)).isoformat(),
        "type": "literature",
        "city": "Berlin",
        "country": "DE",
        "lat": "",
        "lon": "",
        "bias": "antisemitism; racism_xenophobia",
        "ihra": "ihra.2",
    }
    row.update(overrides)
    return row


def csv_file(rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client: TestClient, headers: dict[str, str], content: bytes, *, dry_run: bool) -> Any:
    return client.post(
        f"{IMPORT}?dry_run={str(dry_run).lower()}",
        files={"file": ("incidents.csv", content, "text/csv")},
        headers=headers,
    )


def stored(committed: Session) -> dict[str, int]:
    """Row counts, read in a transaction of their own so that later reads see later commits."""
    counts = {
        model.__tablename__: committed.scalar(select(func.count()).select_from(model)) or 0
        for model in (Incident, IncidentCode, Report, ReportVersion)
    }
    counts["imports"] = (
        committed.scalar(select(func.count()).where(AuditEntry.action == "incident.import")) or 0
    )
    committed.rollback()
    return counts


FUTURE = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
BAD_ROWS = [
    good_row(1),
    good_row(2, type="vandalism"),  # line 3
    good_row(3),
    good_row(4, occurred_from=FUTURE),  # line 5
    good_row(5, occurred_from="1899-12-31T23:00:00+00:00"),  # line 6
    good_row(6, city="", country="", lat="91", lon="13"),  # line 7
]


def test_dry_run_lists_each_bad_row_by_line_and_column_and_writes_nothing(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    before = stored(committed)

    response = upload(client, world["coordinator"], csv_file(BAD_ROWS), dry_run=True)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["rows"] == 6
    assert report["valid"] is False
    found = {(e["line"], e["column"]) for e in report["errors"]}
    assert found == {(3, "type"), (5, "occurred_from"), (6, "occurred_from"), (7, "lat")}
    messages = {(e["line"]): e["message"] for e in report["errors"]}
    assert "future" in messages[5]
    assert "1900" in messages[6]
    assert stored(committed) == before


def test_commit_of_a_good_file_creates_triaged_incidents_and_import_reports(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    before = stored(committed)
    rows = [good_row(n) for n in range(1, 4)] + [
        good_row(4, city="", country="", lat="48.2082", lon="16.3738", bias="", ihra="")
    ]

    response = upload(client, world["coordinator"], csv_file(rows), dry_run=False)

    assert response.status_code == 200, response.text
    ids = response.json()["incident_ids"]
    assert len(ids) == response.json()["created"] == 4
    incidents = committed.scalars(select(Incident).where(Incident.id.in_(ids))).all()
    assert {(i.source, i.status) for i in incidents} == {("import", "triaged")}
    assert {i.title for i in incidents} == {r["title"] for r in rows}
    reports = committed.scalars(select(Report).where(Report.incident_id.in_(ids))).all()
    assert sorted(r.incident_id or 0 for r in reports) == sorted(ids)
    assert {(r.source, r.status) for r in reports} == {("import", "attached")}
    first = client.get(f"/api/v1/reports/{reports[0].id}", headers=world["coordinator"]).json()
    assert first["data"]["title"].startswith("Stickers on the community centre")
    after = stored(committed)
    assert after["incident_codes"] - before["incident_codes"] == 3 * 3
    assert after["report_versions"] - before["report_versions"] == 4
    assert after["imports"] == 1
    listed = client.get("/api/v1/incidents?source=import", headers=world["analyst"]).json()
    assert listed["total"] == 4


def test_commit_with_one_bad_row_writes_nothing(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    before = stored(committed)
    rows = [good_row(1), good_row(2), good_row(3, type="vandalism")]

    response = upload(client, world["coordinator"], csv_file(rows), dry_run=False)

    assert response.status_code == 422
    assert [(e["line"], e["column"]) for e in response.json()["errors"]] == [(4, "type")]
    assert stored(committed) == before


def test_latin1_file_is_refused_as_not_utf8(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    before = stored(committed)
    content = csv_file([good_row(1), good_row(2, city="Zürich", country="CH")]).decode()

    response = upload(client, world["coordinator"], content.encode("latin-1"), dry_run=False)

    assert response.status_code == 422
    assert "UTF-8" in response.json()["detail"]
    assert response.json()["errors"][0]["line"] == 3
    assert stored(committed) == before


def test_missing_columns_are_refused_by_name(client: TestClient, world: dict[str, Any]) -> None:
    columns = ["title", "city", "country"]

    response = upload(client, world["coordinator"], csv_file([good_row(1)], columns), dry_run=True)

    assert response.status_code == 422
    assert {e["column"] for e in response.json()["errors"]} == {"occurred_from", "type"}
    assert "occurred_from" in response.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "column", "words"),
    [
        ({"type": "vandalism"}, "type", "literature"),
        ({"occurred_from": FUTURE}, "occurred_from", "future"),
        ({"occurred_from": "1899-06-01T12:00:00+01:00"}, "occurred_from", "1900"),
        ({"occurred_from": "2024-05-01T12:00:00"}, "occurred_from", "time zone"),
        ({"bias": "racism_xenophobia", "ihra": "ihra.4"}, "ihra", "antisemitism"),
        ({"city": "", "country": ""}, "city", "lat and lon"),
        ({"lat": "52.5"}, "lon", "both"),
    ],
)
def test_bad_value_is_a_row_error_naming_its_column(
    overrides: dict[str, str], column: str, words: str
) -> None:
    result = validate_row(9, good_row(1, **overrides))

    assert isinstance(result, list)
    assert [(e.line, e.column) for e in result][:1] == [(9, column)]
    assert words in result[0].message


def test_exported_csv_imports_again_unchanged_with_formulas_defused(
    client: TestClient, world: dict[str, Any], committed: Session
) -> None:
    org_id = int(world["coordinator"]["X-Vigil-Org"])
    formula = '=HYPERLINK("http://evil.example","click")'
    bulk_insert_incidents(
        session=committed,
        rows=[incident(org_id, "amber+strict", formula, narrative="-2+3", bias=["antisemitism"])],
    )
    committed.commit()
    exported = client.get(f"{EXPORT_CSV}?q=hyperlink", headers=world["coordinator"]).content
    cells = next(csv.DictReader(io.StringIO(exported.decode())))
    assert (cells["title"], cells["narrative"]) == ("'" + formula, "'-2+3")

    response = upload(client, world["coordinator"], exported, dry_run=False)

    assert response.status_code == 200, response.text
    ignored = ["id", "source", "owner_org_id", "provenance"]
    assert response.json()["ignored_columns"] == ignored
    copy = committed.get_one(Incident, response.json()["incident_ids"][0])
    assert (copy.title, copy.narrative, copy.codes_of("bias")) == (
        formula,
        "-2+3",
        ["antisemitism"],
    )
