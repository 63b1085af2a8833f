"""Anonymous reports placed at intake (issue 18), on SQLite and PostgreSQL: the witness's words
are geocoded offline in the organisation's country through the form and the API, city-level; a
name found only by a typing error or only abroad is kept as text without a point, and the audit
entry says why; a pin stays the witness's point. A placed report then meets a member's incident
of the same event in the same city on the triage page, and not one in another city. The triage
page shows its times in the organisation's zone."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import Node, db_rows, html, sign_in, submit
from tests.incidents.test_received_triage import _near
from tests.orgs.factories import make_org, make_person
from tests.sharing.provenance_world import receive
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker
from vigil.core.policy import Role
from vigil.geo.distance import haversine_km
from vigil.incidents import reports as reports_service
from vigil.incidents import service
from vigil.incidents.models import Report
from vigil.incidents.schemas import Place, ReportCreate, TriageDecision
from vigil.incidents.typology import IncidentType, Precision
from vigil.orgs import accounts
from vigil.orgs.models import Organisation, Person

PRAGUE = (50.0875, 14.4214)
DUSNI = (50.0900, 14.4187)  # the Spanish Synagogue, Dušní street
BRNO = (49.1951, 16.6068)
PRAGUE_ZONE = ZoneInfo("Europe/Prague")
WHERE = "Synagoga, Dušní, Praha"
WHAT = "Antisemitic graffiti sprayed on the synagogue wall in Dušní street this afternoon."


class World:
    def __init__(self, org: Organisation, reporter: Person, coordinator: Person) -> None:
        self.org, self.reporter, self.coordinator = org, reporter, coordinator


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    org = make_org(committed, country="CZ")
    org.accepts_public_reports, org.time_zone = True, "Europe/Prague"
    built = World(
        org,
        make_person(committed, settings, org=org, role=Role.reporter),
        make_person(committed, settings, org=org, role=Role.coordinator),
    )
    committed.commit()
    return built


def _when(hours_ago: float = 2) -> dt.datetime:
    moment = dt.datetime.now(PRAGUE_ZONE) - dt.timedelta(hours=hours_ago)
    return moment.replace(second=0, microsecond=0)


def _post_form(client: TestClient, world: World, **fields: str) -> None:
    values = {
        "what_happened": WHAT,
        "when": _when().strftime("%Y-%m-%dT%H:%M"),
        "zone": "Europe/Prague",
        "where": WHERE,
        "type": "damage",
        "contact": "",
        "website": "",
    }
    values.update(fields)
    path = f"/report/{world.org.slug}"
    response = submit(client, path, path, values)
    assert response.status_code == 200, response.text


def _stored(settings: Settings) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each public report's place and its audit entry's account of placing it, oldest first."""
    reports = db_rows(settings, select(Report).order_by(Report.id))
    entries = db_rows(
        settings, select(AuditEntry).where(AuditEntry.action == "report.public_submit")
    )
    detail = {int(e.target_id): json.loads(e.detail) for e in entries}
    with get_sessionmaker(settings.sqlalchemy_url)() as session:
        contents = [reports_service.latest_version(session, r.id) for r in reports]
    return [(c["place"], detail[r.id]["place"]) for r, c in zip(reports, contents, strict=True)]


def _in_prague(place: dict[str, Any]) -> bool:
    return haversine_km(place["lat"], place["lon"], *PRAGUE) < 10


def test_the_words_of_a_public_report_place_it_in_the_city_through_the_form_and_the_api(
    client: TestClient, world: World, settings: Settings
) -> None:
    _post_form(client, world)
    body = {"what_happened": WHAT, "when": _when().isoformat(), "where": WHERE, "type": "damage"}
    sent = client.post(f"/api/v1/public/{world.org.slug}/reports", json=body)
    assert sent.status_code == 201, sent.text

    for place, placing in _stored(settings):
        assert place["address"] == WHERE
        assert (place["country"], place["precision"]) == ("CZ", "city")
        assert _in_prague(place), place
        assert placing["outcome"] == "placed" and placing["country"] == "CZ"


@pytest.mark.parametrize(
    ("where", "outcome", "says"),
    [
        ("Prgue", "similar_only", "similar"),  # a typing error is not chosen silently
        ("Kinshasa", "abroad", "CD"),  # nor a place abroad
        ("Nowhere-on-the-map", "not_found", "Nowhere-on-the-map"),
    ],
)
def test_words_found_only_by_a_typing_error_or_abroad_stay_text_and_say_why(
    client: TestClient, world: World, settings: Settings, where: str, outcome: str, says: str
) -> None:
    _post_form(client, world, where=where)

    [(place, placing)] = _stored(settings)
    assert place == {"address": where}
    assert placing["outcome"] == outcome and says in placing["reason"]


def test_a_pin_stays_the_witnesses_point_at_the_organisations_rounding(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    committed.merge(world.org).public_location_precision_m = 10
    committed.commit()

    _post_form(client, world, lat=str(BRNO[0]), lon=str(BRNO[1]))

    [(place, placing)] = _stored(settings)
    assert place["precision"] == "exact"
    assert 0 < haversine_km(place["lat"], place["lon"], *BRNO) < 0.01  # on the 10 m grid
    assert "city" not in place and placing["outcome"] == "point"


def _member_incident(
    committed: Session, settings: Settings, world: World, point: tuple[float, float]
) -> int:
    city = "Praha" if point == DUSNI else "Brno"
    principal = accounts.principal_for(committed, world.reporter.id)
    report = reports_service.submit_report(
        session=committed,
        principal=replace(principal, acting_org_id=world.org.id),
        data=ReportCreate(
            title="Antisemitic graffiti on the synagogue in Dušní street",
            narrative="Graffiti sprayed on the synagogue wall in Dušní street.",
            occurred_from=_when(2.5),
            timezone="Europe/Prague",
            place=Place(
                lat=point[0], lon=point[1], city=city, country="CZ", precision=Precision.exact
            ),
            type=IncidentType.damage,
        ),
        settings=settings,
    )
    committed.flush()
    incident = service.triage(
        session=committed,
        principal=accounts.principal_for(committed, world.coordinator.id),
        report_id=report.id,
        decision=TriageDecision(action="new_incident"),
    )
    assert incident is not None
    committed.commit()
    return incident.id


def _card(client: TestClient) -> Node:
    [card] = html(client.get("/incidents/triage")).find_all("article", class_="triage-item")
    return card


def test_a_placed_public_report_meets_the_members_incident_in_the_same_city_on_triage(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    in_prague = _member_incident(committed, settings, world, DUSNI)
    in_brno = _member_incident(committed, settings, world, BRNO)
    _post_form(client, world)
    sign_in(client, world.coordinator.email)

    card = _card(client)

    offered = {
        int(li.find("a").attrs["href"].rsplit("/", 1)[1]): li
        for li in card.find_all("li", class_="duplicate")
    }
    assert in_prague in offered and in_brno not in offered
    assert "duplicate-suggested" in offered[in_prague].attrs["class"].split()


def test_the_triage_page_shows_times_in_the_organisations_zone(
    client: TestClient, world: World, settings: Settings
) -> None:
    typed = _when(26)
    _post_form(client, world, when=typed.strftime("%Y-%m-%dT%H:%M"))
    sign_in(client, world.coordinator.email)

    card = _card(client)

    [when] = [d for d in card.find_all("dd") if d.find_all("time")]
    shown = when.find("time")
    instant = dt.datetime.fromisoformat(shown.attrs["datetime"].replace("Z", "+00:00"))
    assert instant == typed.astimezone(dt.UTC)
    assert typed.strftime("%H:%M").lstrip("0") in shown.text  # the wall clock in Prague
    assert "UTC" not in shown.text
    received = card.find("p", class_="meta").find("time")
    assert "UTC" not in received.text and received.attrs["datetime"].endswith("Z")


def test_a_received_incident_in_triage_shows_its_time_in_the_organisations_zone(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    received = receive(client, committed, settings)
    world = received.world
    _near(client, world.headers, received.from_file)
    importer = committed.merge(world.importer)
    importer.time_zone = "Europe/Prague"
    committed.commit()
    sign_in(client, world.coordinator.email)

    section = html(client.get("/incidents/triage")).find("section", id="received")
    card = section.find("article", id=f"received-{received.from_file}")

    shown = card.find("dl").find("time")
    instant = dt.datetime.fromisoformat(shown.attrs["datetime"].replace("Z", "+00:00"))
    local = instant.astimezone(PRAGUE_ZONE)
    assert f"{local.hour}:{local.minute:02d}" in shown.text
    assert "UTC" not in shown.text and "(" not in shown.text
