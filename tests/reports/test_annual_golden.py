"""Golden test: every table of the annual report agrees with the incident list's CSV export
under the same filter (status verified and closed, the period), counted by hand from the CSV:
each incident in the month of its own time zone, once per bias code, by its place."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import html, sign_in, submit
from tests.orgs.factories import token_headers
from tests.reports.annual_world import incident
from tests.reports.test_annual_pages import make_team
from vigil.core.config import Settings
from vigil.geo.regions import region_of
from vigil.incidents.typology import Bias, IncidentType, Status, TargetKind
from vigil.reports import annual_published

B = Bias
WORLD = [  # local time, zone, type, bias, country, city, target, status
    (
        dt.datetime(2025, 1, 1, 0, 30),
        "Europe/Berlin",
        IncidentType.threat,
        (B.antisemitism,),
        "DE",
        "Berlin",
        TargetKind.person,
        Status.verified,
    ),
    (
        dt.datetime(2025, 12, 31, 23, 30),
        "America/New_York",
        IncidentType.damage,
        (B.antisemitism, B.racism_xenophobia),
        "US",
        "New York",
        TargetKind.property,
        Status.closed,
    ),
    (
        dt.datetime(2025, 3, 1, 0, 15),
        "Europe/Prague",
        IncidentType.assault,
        (),
        "CZ",
        "Praha",
        None,
        Status.verified,
    ),
    (
        dt.datetime(2025, 3, 14, 12),
        "Europe/Berlin",
        IncidentType.literature,
        (B.anti_muslim,),
        "DE",
        "München",
        TargetKind.institution,
        Status.verified,
    ),
    (
        dt.datetime(2025, 7, 4, 18),
        "Europe/Berlin",
        IncidentType.threat,
        (B.antisemitism,),
        "DE",
        "Hamburg",
        TargetKind.online,
        Status.new,
    ),  # not on the published basis
    (
        dt.datetime(2024, 12, 31, 23, 45),
        "Europe/Berlin",
        IncidentType.threat,
        (B.gender,),
        "DE",
        "Berlin",
        TargetKind.person,
        Status.verified,
    ),  # last year's
    (
        dt.datetime(2024, 3, 5, 9),
        "Europe/Vienna",
        IncidentType.abusive_behaviour,
        (),
        "AT",
        "Wien",
        TargetKind.person,
        Status.closed,
    ),
    (
        dt.datetime(2023, 11, 5, 9),
        "UTC",
        IncidentType.cyber,
        (B.other,),
        "DE",
        "Berlin",
        TargetKind.online,
        Status.verified,
    ),
]


def _exported(client: TestClient, headers: dict[str, str]) -> list[dict[str, str]]:
    params = [
        ("status", "verified"),
        ("status", "closed"),
        ("occurred_after", "2022-12-30T00:00:00Z"),
        ("occurred_before", "2026-01-02T00:00:00Z"),
    ]
    response = client.get("/api/v1/incidents/export.csv", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def _local_day(row: dict[str, str]) -> dt.date:
    moment = dt.datetime.fromisoformat(row["occurred_from"])
    return moment.astimezone(ZoneInfo(row["timezone"] or "UTC")).date()


def _rows(table: list[dict[str, object]]) -> dict[str, int]:
    return {str(r["code"]): int(str(r["count"])) for r in table}


def test_every_table_agrees_with_the_csv_export(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    team = make_team(committed, settings)
    for local, zone, kind, bias, country, city, target, status in WORLD:
        incident(
            committed,
            settings,
            team.principal,
            local=local,
            zone=zone,
            type=kind,
            bias=bias,
            country=country,
            city=city,
            target=target,
            status=status,
        )
    headers = token_headers(committed, team.coordinator, team.org)
    committed.commit()
    sign_in(client, team.coordinator.email)
    made = submit(
        client,
        "/annual-reports",
        "/annual-reports",
        {"title": "Golden", "period_start": "2025-01-01", "period_end": "2026-01-01"},
    )
    builder = made.headers["location"]
    assert submit(client, builder, builder + "/publish", {}).status_code == 303

    rows = _exported(client, headers)
    year = [r for r in rows if _local_day(r).year == 2025]
    frozen = annual_published.published_report(session=committed, org_id=team.org.id, slug="golden")
    figures = frozen["figures"]

    assert figures["total"] == len(year) == 4
    assert figures["previous"]["total"] == sum(1 for r in rows if _local_day(r).year == 2024)
    months = Counter((_local_day(r).year, _local_day(r).month) for r in rows)
    for line in figures["monthly"]["rows"]:
        for y, n in zip(figures["monthly"]["years"], line["counts"], strict=True):
            assert n == months[(int(y), line["month"])], (y, line["month"])
    assert figures["monthly"]["totals"] == [
        sum(1 for r in rows if _local_day(r).year == int(y)) for y in figures["monthly"]["years"]
    ]
    assert _rows(figures["types"]) == dict(Counter(r["type"] for r in year))
    by_type = figures["type_months"]
    type_months = Counter((r["type"], f"{_local_day(r):%Y-%m}") for r in year)
    for entry in by_type["series"]:
        for month, n in zip(by_type["months"], entry["counts"], strict=True):
            assert n == type_months[(entry["code"], month)], (entry["code"], month)
    bias = Counter(
        c for r in year for c in (r["bias"].split(";") if r["bias"] else ["unspecified"])
    )
    assert _rows(figures["bias"]) == dict(bias)
    assert _rows(figures["targets"]) == dict(
        Counter(r["target_kind"] or "unspecified" for r in year)
    )
    assert _rows(figures["countries"]) == dict(Counter(r["country"] for r in year))
    cities = Counter((r["country"], r["city"]) for r in year)
    assert {(c["country"], c["name"]): c["count"] for c in figures["cities"]} == dict(cities)
    regions = Counter(
        (
            r["country"],
            region_of(r["country"], r["city"], _float(r["lat"]), _float(r["lon"])) or "unspecified",
        )
        for r in year
    )
    assert {(c["country"], c["name"]): c["count"] for c in figures["regions"]} == dict(regions)

    client.cookies.clear()
    page = html(client.get(f"/published/{team.org.slug}/golden"))
    foot = page.find("table", id="table-monthly").find("tfoot").text
    assert foot.split()[-3:] == [str(n) for n in figures["monthly"]["totals"]]


def _float(value: str) -> float | None:
    return float(value) if value else None
