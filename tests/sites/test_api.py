"""The sites API on SQLite and PostgreSQL: create, read, edit, contacts, events, incidents
around a site, and bad input refused with the field named and nothing half-saved."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.html import db_rows
from tests.orgs.factories import make_network, make_org, make_person, token_headers
from tests.sites.factories import BERLIN, square
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.models import Organisation
from vigil.sites.models import Site, SiteEvent

SITES = "/api/v1/sites"


@dataclass
class World:
    org: Organisation
    viewer: dict[str, str]
    analyst: dict[str, str]
    coordinator: dict[str, str]
    outsider: dict[str, str]


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    org, other = make_org(committed), make_org(committed)
    make_network(committed, org, other)
    headers = {
        role: token_headers(committed, make_person(committed, settings, org=org, role=role), org)
        for role in (Role.viewer, Role.analyst, Role.coordinator)
    }
    outsider = make_person(committed, settings, org=other, role=Role.org_admin)
    built = World(
        org=org,
        viewer=headers[Role.viewer],
        analyst=headers[Role.analyst],
        coordinator=headers[Role.coordinator],
        outsider=token_headers(committed, outsider, other),
    )
    committed.commit()
    return built


def body(**fields: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "Synagogue Rykestrasse",
        "type": "place_of_worship",
        "address": "Rykestrasse 53",
        "city": "Berlin",
        "country": "DE",
        "lat": BERLIN[0],
        "lon": BERLIN[1],
        "capacity": 1200,
        "typical_attendance": 250,
        "opening_pattern": "Services Friday evening and Saturday morning.",
    }
    values.update(fields)
    return values


def site_count(settings: Settings) -> int:
    return db_rows(settings, select(func.count()).select_from(Site))[0]


def test_create_read_and_edit_a_site(client: TestClient, world: World) -> None:
    created = client.post(SITES, json=body(perimeter=square(*BERLIN)), headers=world.analyst)
    assert created.status_code == 201, created.text
    site = created.json()
    # 1,200 people in Germany: no German rule set, so advisory after the UK's, which keeps a
    # place of worship in the standard tier whatever its capacity.
    assert site["capacity_tier"] == "standard"
    tier = site["duty_tier"]
    assert (tier["tier"], tier["basis"], tier["advisory"], tier["rule_set"]) == (
        "standard",
        "site_type",
        True,
        "uk",
    )
    assert "notify_regulator" not in tier["duties"] and "lockdown" in tier["duties"]
    assert site["perimeter"]["type"] == "Polygon"
    assert site["tlp"] == "amber+strict" and site["recipients"] == {
        "organisation_ids": [],
        "person_ids": [],
    }

    read = client.get(f"{SITES}/{site['id']}", headers=world.viewer)
    assert read.status_code == 200 and read.json()["name"] == "Synagogue Rykestrasse"
    assert client.get(f"{SITES}/{site['id']}", headers=world.outsider).status_code == 404

    edited = client.patch(f"{SITES}/{site['id']}", json={"capacity": 500}, headers=world.analyst)
    assert edited.status_code == 200 and edited.json()["capacity_tier"] == "standard"
    assert edited.json()["duty_tier"]["basis"] == "capacity"
    moved = client.patch(
        f"{SITES}/{site['id']}",
        json={"type": "concert_hall", "capacity": 900, "country": "GB"},
        headers=world.analyst,
    )
    tier = moved.json()["duty_tier"]
    assert (tier["tier"], tier["advisory"]) == ("enhanced", False)
    assert {"notify_regulator", "measures_document"} <= set(tier["duties"])
    assert (
        client.patch(f"{SITES}/{site['id']}", json={"capacity": 1}, headers=world.viewer)
    ).status_code == 403


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"lat": 91}, "lat", "less than or equal to 90"),
        ({"lon": "east"}, "lon", "valid number"),
        ({"type": "castle"}, "type", "place_of_worship"),
        ({"capacity": -5}, "capacity", "greater than or equal to 0"),
        ({"country": "XX"}, "country", "ISO 3166-1"),
        (
            {"perimeter": {"type": "Polygon", "coordinates": [[[13.40, 52.52], [13.41, 52.52],
                                                               [13.41, 52.53]]]}},
            "perimeter", "at least 4 positions",
        ),
        (
            {"perimeter": {"type": "Polygon", "coordinates": [
                [[13.404, 52.519], [13.406, 52.519], [13.406, 52.521], [13.404, 52.521]]]}},
            "perimeter", "not closed",
        ),
        (
            {"perimeter": {"type": "Polygon", "coordinates": [[[13.404, 52.519], [13.406, 52.521],
                                                               [13.406, 52.519], [13.404, 52.521],
                                                               [13.404, 52.519]]]}},
            "perimeter", "crosses itself",
        ),
        (
            {"perimeter": {"type": "Polygon", "coordinates": [
                [[13.404, 52.519], [13.406, 52.519], [13.406, 52.521], [13.404, 52.519]],
                [[13.405, 52.5195], [13.4055, 52.5195], [13.4055, 52.52], [13.405, 52.52]]]}},
            "perimeter", "hole 1 is not closed",
        ),
        (
            {"perimeter": {"type": "Polygon", "coordinates": [
                [[13.404, 52.519], [13.406, 92.5], [13.406, 52.521], [13.404, 52.519]]]}},
            "perimeter",
            "the outer ring, position 2: the latitude must be a number between -90 and 90",
        ),
        ({"perimeter": square(48.2, 16.37)}, "perimeter", "km from the site's point"),
        ({"perimeter": "{not json"}, "perimeter", "not JSON"),
    ],
)  # fmt: skip
def test_bad_site_input_names_the_field_and_saves_nothing(
    client: TestClient, world: World, settings: Settings, fields: dict, field: str, words: str
) -> None:
    response = client.post(SITES, json=body(**fields), headers=world.analyst)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["field"] == field
    assert words in problem["errors"][0]["message"]
    assert site_count(settings) == 0


def test_list_pages_and_filters(client: TestClient, world: World) -> None:
    for n, kind in enumerate(["school", "school", "stadium"]):
        client.post(SITES, json=body(name=f"Site {n}", type=kind), headers=world.analyst)
    page = client.get(SITES, params={"type": "school", "limit": 1}, headers=world.viewer).json()
    assert page["total"] == 2 and [s["name"] for s in page["items"]] == ["Site 0"]
    assert client.get(SITES, headers=world.outsider).json()["total"] == 0
    assert client.get(SITES, params={"limit": 0}, headers=world.viewer).status_code == 422
    near = client.get(
        f"{SITES}/near", params={"lat": BERLIN[0], "lon": BERLIN[1], "radius_km": 1},
        headers=world.viewer,
    ).json()  # fmt: skip
    assert len(near) == 3 and near[0]["distance_km"] == 0


def test_contacts_for_analysts_only(client: TestClient, world: World) -> None:
    site_id = client.post(SITES, json=body(tlp="green"), headers=world.analyst).json()["id"]
    contacts = {
        "contacts": [
            {"name": "Rina Levy", "role": "security lead", "email": "rina@example.org"},
            {"name": "Night guard", "phone": "+49 30 7654321"},
        ]
    }
    put = client.put(f"{SITES}/{site_id}/contacts", json=contacts, headers=world.analyst)
    assert put.status_code == 200, put.text
    assert [c["priority"] for c in put.json()] == [1, 2]

    got = client.get(f"{SITES}/{site_id}/contacts", headers=world.coordinator)
    assert [c["name"] for c in got.json()] == ["Rina Levy", "Night guard"]
    assert client.get(f"{SITES}/{site_id}/contacts", headers=world.viewer).status_code == 403
    outsider = client.get(f"{SITES}/{site_id}/contacts", headers=world.outsider)
    assert outsider.status_code == 403 and "Rina" not in outsider.text
    bad = client.put(
        f"{SITES}/{site_id}/contacts",
        json={"contacts": [{"name": "No way to reach"}]},
        headers=world.analyst,
    )
    assert bad.status_code == 422
    still = client.get(f"{SITES}/{site_id}/contacts", headers=world.analyst).json()
    assert len(still) == 2


def test_events_and_upcoming_occurrences(
    client: TestClient, world: World, settings: Settings
) -> None:
    import datetime as dt

    site_id = client.post(SITES, json=body(), headers=world.analyst).json()["id"]
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=14)
    event = {
        "name": "Shabbat service",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "timezone": "Europe/Berlin",
        "recurrence": "weekly",
        "expected_attendance": 400,
    }
    added = client.post(f"{SITES}/{site_id}/events", json=event, headers=world.analyst)
    assert added.status_code == 201, added.text
    upcoming = client.get(
        f"{SITES}/{site_id}/upcoming", params={"days": 21}, headers=world.viewer
    ).json()
    assert len(upcoming) in (3, 4) and upcoming[0]["expected_attendance"] == 400

    wrong = {**event, "ends_at": (start - dt.timedelta(hours=1)).isoformat()}
    refused = client.post(f"{SITES}/{site_id}/events", json=wrong, headers=world.analyst)
    assert refused.status_code == 422 and "ends_at" in refused.text
    naive = {**event, "starts_at": "2026-05-01T18:00:00"}
    assert (
        client.post(f"{SITES}/{site_id}/events", json=naive, headers=world.analyst).status_code
        == 422
    )
    assert db_rows(settings, select(func.count()).select_from(SiteEvent))[0] == 1
