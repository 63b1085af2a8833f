"""The ODIHR export (CSV, XLSX, page) through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.reports.odihr_world import FORMULA_TITLE, YEAR, World, build_world
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.transfer import restore_formula
from vigil.reports.odihr_files import BIAS_COLUMNS, INCIDENT_COLUMNS, TOTAL_ROW

CSV = "/statistics/odihr.csv"
XLSX = "/statistics/odihr.xlsx"


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    return build_world(committed, settings)


def read_csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def get_csv(
    client: TestClient, headers: dict[str, str], year: int = YEAR, table: str = "incidents"
) -> list[dict[str, str]]:
    response = client.get(CSV, params={"year": year, "table": table}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return read_csv(response.content)


def descriptions(rows: list[dict[str, str]]) -> set[str]:
    return {restore_formula(row["description"]) for row in rows}


def test_csv_and_xlsx_list_the_same_rows(client: TestClient, world: World) -> None:
    headers = world.headers["a_analyst"]
    listed = get_csv(client, headers)
    response = client.get(XLSX, params={"year": YEAR}, headers=headers)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Incidents", "Counts by bias"]
    sheet = list(book["Incidents"].iter_rows(values_only=True))
    note, header, *rows = sheet
    assert "TLP:CLEAR" in str(note[0]) and "verified and closed" in str(note[0])
    assert tuple(header) == INCIDENT_COLUMNS
    from_csv = [[restore_formula(row[c]) for c in INCIDENT_COLUMNS] for row in listed]
    from_xlsx = [["" if cell is None else str(cell) for cell in row] for row in rows]
    assert from_xlsx == from_csv and len(from_csv) == 4
    bias_note, bias_header, *bias_rows = book["Counts by bias"].iter_rows(values_only=True)
    assert "counts under each" in str(bias_note[0])
    assert tuple(bias_header) == BIAS_COLUMNS
    bias_csv = get_csv(client, headers, table="bias")
    assert [(r[0], r[2]) for r in bias_rows] == [
        (r["bias_motivation"], int(r["incidents"])) for r in bias_csv
    ]


def test_only_clear_incidents_are_listed_but_every_published_one_is_counted(
    client: TestClient, world: World
) -> None:
    headers = world.headers["a_analyst"]
    assert descriptions(get_csv(client, headers)) == {
        "Graffiti on the synagogue",
        "Man punched at a tram stop",
        FORMULA_TITLE,
        "New Year's night in Berlin",
    }
    counts = {
        r["bias_motivation"]: int(r["incidents"]) for r in get_csv(client, headers, table="bias")
    }
    # Graffiti, amber threat, red arson and the New Year's night: antisemitism, listed or not.
    assert counts == {
        "racism_xenophobia": 1,
        "antisemitism": 4,
        "anti_muslim": 1,
        "unspecified": 1,
        TOTAL_ROW: 6,
    }


def test_the_description_is_the_title_and_never_the_reporters_words(
    client: TestClient, world: World
) -> None:
    response = client.get(CSV, params={"year": YEAR}, headers=world.headers["a_analyst"])
    assert b"Reporter's words" not in response.content
    assert b"Amber threat" not in response.content and b"Red arson" not in response.content


def test_new_triaged_and_rejected_incidents_are_not_on_the_published_basis(
    client: TestClient, world: World
) -> None:
    headers = world.headers["a_analyst"]
    listed = descriptions(get_csv(client, headers))
    assert not listed & {"Triaged clear incident", "New clear incident", "Rejected clear incident"}
    bias = get_csv(client, headers, table="bias")
    assert [r["incidents"] for r in bias if r["bias_motivation"] == TOTAL_ROW] == ["6"]


def test_half_past_midnight_on_new_years_day_counts_in_the_new_year(
    client: TestClient, world: World
) -> None:
    headers = world.headers["a_analyst"]
    rows = {restore_formula(r["description"]): r for r in get_csv(client, headers)}
    assert rows["New Year's night in Berlin"]["date"] == f"{YEAR}-01-01"
    assert "Next New Year's night in Berlin" not in rows
    next_year = descriptions(get_csv(client, headers, year=YEAR + 1))
    assert next_year == {"Next New Year's night in Berlin"}


def test_a_formula_title_is_defused_in_csv_and_a_plain_string_in_xlsx(
    client: TestClient, world: World
) -> None:
    headers = world.headers["a_analyst"]
    raw = {r["description"] for r in get_csv(client, headers)}
    assert "'" + FORMULA_TITLE in raw and FORMULA_TITLE not in raw
    response = client.get(XLSX, params={"year": YEAR}, headers=headers)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [c for row in book["Incidents"].iter_rows() for c in row if c.value == FORMULA_TITLE]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_type_of_incident_follows_odihrs_categories(client: TestClient, world: World) -> None:
    rows = {r["description"]: r for r in get_csv(client, world.headers["a_analyst"])}
    assert rows["Graffiti on the synagogue"]["type_of_incident"] == "attack_against_property"
    assert rows["Graffiti on the synagogue"]["bias_motivation"] == "anti_muslim;antisemitism"
    assert rows["Man punched at a tram stop"]["type_of_incident"] == "violent_attack_against_people"
    assert rows["Man punched at a tram stop"]["city"] == "Munich"
    assert rows["Man punched at a tram stop"]["target"] == "person"


def test_another_organisations_member_viewers_and_strangers_get_no_export(
    client: TestClient, world: World
) -> None:
    for who in ("b_as_a", "a_viewer"):
        for path in (CSV, XLSX, "/statistics/odihr"):
            response = client.get(path, params={"year": YEAR}, headers=world.headers[who])
            assert response.status_code == 403, (who, path)
    assert client.get(CSV, params={"year": YEAR}, follow_redirects=False).status_code == 303


def test_each_organisation_exports_only_its_own_incidents(client: TestClient, world: World) -> None:
    assert descriptions(get_csv(client, world.headers["b_analyst"])) == {"B's own incident"}
    assert "B's own incident" not in descriptions(get_csv(client, world.headers["a_analyst"]))


@pytest.mark.parametrize("year", ["20x5", "1200", "99999", "2025.0"])
def test_a_bad_year_is_refused_naming_the_year(client: TestClient, world: World, year: str) -> None:
    for path in (CSV, XLSX):
        response = client.get(path, params={"year": year}, headers=world.headers["a_analyst"])
        assert response.status_code == 422, (path, year)
        assert "year" in response.text.lower()


def test_the_page_shows_the_counts_and_links_the_downloads(
    client: TestClient, world: World
) -> None:
    response = client.get(
        "/statistics/odihr", params={"year": YEAR}, headers=world.headers["a_analyst"]
    )
    assert response.status_code == 200
    assert f'href="/statistics/odihr.csv?year={YEAR}"' in response.text
    assert f'href="/statistics/odihr.xlsx?year={YEAR}"' in response.text
    assert 'label for="f-year"' in response.text
    bad = client.get(
        "/statistics/odihr", params={"year": "abc"}, headers=world.headers["a_analyst"]
    )
    assert bad.status_code == 422 and "four digits" in bad.text


def test_each_download_is_audited_and_a_refused_one_is_not(
    client: TestClient, world: World, committed: Session
) -> None:
    client.get(XLSX, params={"year": YEAR}, headers=world.headers["a_viewer"])
    client.get(CSV, params={"year": YEAR}, headers=world.headers["a_analyst"])
    client.get(XLSX, params={"year": YEAR}, headers=world.headers["a_analyst"])
    committed.rollback()
    entries = committed.scalars(
        select(AuditEntry).where(AuditEntry.action == "reports.odihr_export")
    ).all()
    details = sorted(entry.detail for entry in entries)
    assert len(details) == 2
    assert any('"xlsx"' in d for d in details) and any('"csv:incidents"' in d for d in details)
