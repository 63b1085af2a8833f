"""Demonstration sites for `vigil demo load`: ~40 soft targets in the six demo cities and three
in London (where the UK premises law applies), owned by the demo organisations, with contacts
(example.org addresses) and weekly or yearly events (DECISIONS 25); the incidents' demo links its
incidents to the sites near them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.domains import DemoData
from vigil.core.policy import TLP, Principal
from vigil.orgs.principals import load_principal
from vigil.sites import service
from vigil.sites.kinds import Recurrence, SiteType
from vigil.sites.models import Site
from vigil.sites.schemas import ContactWrite, EventCreate, SiteCreate

COORDINATORS = {
    "jcs-berlin": "coordinator@jcs-berlin.example",
    "synagogue-oranienburger": "security@oranienburger.example",
    "prague-community-security": "coordinator@prague-security.example",
    "vienna-city-crisis": "coordinator@vienna-crisis.example",
    "london-community-security": "coordinator@london-security.example",
}
ZONES = {
    "DE": "Europe/Berlin",
    "CZ": "Europe/Prague",
    "AT": "Europe/Vienna",
    "GB": "Europe/London",
}
PHONE_PREFIXES = {"DE": "+49 30", "CZ": "+420 2", "AT": "+43 1", "GB": "+44 20"}
T = SiteType
# name, type, address, city, country, lat, lon, capacity, typical attendance, owner, TLP
SITES = [
    ("New Synagogue Oranienburger Strasse", T.place_of_worship, "Oranienburger Str. 28-30",
     "Berlin", "DE", 52.5249, 13.3946, 1200, 300, "synagogue-oranienburger", TLP.green),
    ("Synagogue Rykestrasse", T.place_of_worship, "Rykestr. 53", "Berlin", "DE", 52.5384,
     13.4200, 1000, 250, "jcs-berlin", TLP.green),
    ("Synagogue Fraenkelufer", T.place_of_worship, "Fraenkelufer 10-16", "Berlin", "DE",
     52.4948, 13.4157, 400, 120, "jcs-berlin", TLP.amber_strict),
    ("Jewish Community Centre Fasanenstrasse", T.community_centre, "Fasanenstr. 79-80",
     "Berlin", "DE", 52.5045, 13.3280, 600, 200, "jcs-berlin", TLP.green),
    ("Jewish Primary School Mitte", T.school, "Grosse Hamburger Str. 27", "Berlin", "DE",
     52.5262, 13.3990, 450, 380, "jcs-berlin", TLP.amber_strict),
    ("Jewish Kindergarten Charlottenburg", T.kindergarten, "Delbrueckstr. 8", "Berlin", "DE",
     52.5070, 13.3050, 120, 90, "jcs-berlin", TLP.amber_strict),
    ("Jewish Museum Berlin", T.museum, "Lindenstr. 9-14", "Berlin", "DE", 52.5020, 13.3951,
     3000, 1800, "jcs-berlin", TLP.green),
    ("Mall at Leipziger Platz", T.shopping_centre, "Leipziger Platz 12", "Berlin", "DE",
     52.5103, 13.3803, 8000, 5000, "jcs-berlin", TLP.green),
    ("Olympic Stadium Berlin", T.stadium, "Olympischer Platz 3", "Berlin", "DE", 52.5147,
     13.2395, 74000, 45000, "jcs-berlin", TLP.green),
    ("Philharmonic Hall Berlin", T.concert_hall, "Herbert-von-Karajan-Str. 1", "Berlin", "DE",
     52.5098, 13.3699, 2440, 2000, "jcs-berlin", TLP.green),
    ("Deutsches Theater", T.theatre, "Schumannstr. 13a", "Berlin", "DE", 52.5237, 13.3838,
     600, 450, "jcs-berlin", TLP.green),
    ("Kosher Restaurant Auguststrasse", T.restaurant, "Auguststr. 11", "Berlin", "DE",
     52.5270, 13.4010, 80, 50, "jcs-berlin", TLP.amber_strict),
    ("Berlin Central Station Forecourt", T.transport_hub, "Europaplatz 1", "Berlin", "DE",
     52.5251, 13.3694, 20000, 8000, "jcs-berlin", TLP.clear),
    ("Neukoelln Mosque Community", T.place_of_worship, "Flughafenstr. 43", "Berlin", "DE",
     52.4810, 13.4350, 800, 300, "jcs-berlin", TLP.green),
    ("Ohel Jakob Synagogue", T.place_of_worship, "St.-Jakobs-Platz 18", "Munich", "DE",
     48.1345, 11.5725, 550, 200, "jcs-berlin", TLP.green),
    ("Jewish Community Centre Munich", T.community_centre, "St.-Jakobs-Platz 16", "Munich",
     "DE", 48.1349, 11.5718, 700, 250, "jcs-berlin", TLP.green),
    ("Munich Football Arena", T.stadium, "Werner-Heisenberg-Allee 25", "Munich", "DE",
     48.2188, 11.6247, 75000, 60000, "jcs-berlin", TLP.green),
    ("Sinai Primary School Munich", T.school, "Jakob-Klar-Str. 1", "Munich", "DE", 48.1352,
     11.5730, 300, 250, "jcs-berlin", TLP.amber_strict),
    ("Old New Synagogue", T.place_of_worship, "Cervena 2", "Prague", "CZ", 50.0901, 14.4186,
     200, 80, "prague-community-security", TLP.green),
    ("Spanish Synagogue", T.place_of_worship, "Vezenska 1", "Prague", "CZ", 50.0901, 14.4213,
     400, 120, "prague-community-security", TLP.green),
    ("Jerusalem Synagogue", T.place_of_worship, "Jeruzalemska 7", "Prague", "CZ", 50.0856,
     14.4355, 300, 100, "prague-community-security", TLP.green),
    ("Lauder Schools Prague", T.school, "Belgicka 25", "Prague", "CZ", 50.0719, 14.4455, 500,
     420, "prague-community-security", TLP.amber_strict),
    ("Jewish Community Centre Prague", T.community_centre, "Maiselova 18", "Prague", "CZ",
     50.0895, 14.4190, 250, 90, "prague-community-security", TLP.green),
    ("Shopping Centre Namesti Republiky", T.shopping_centre, "Namesti Republiky 1", "Prague",
     "CZ", 50.0890, 14.4290, 9000, 6000, "prague-community-security", TLP.green),
    ("Prague Arena", T.stadium, "Ceskomoravska 17", "Prague", "CZ", 50.1046, 14.4936, 18000,
     12000, "prague-community-security", TLP.green),
    ("Rudolfinum Concert Hall", T.concert_hall, "Alsovo nabrezi 12", "Prague", "CZ", 50.0899,
     14.4155, 1100, 800, "prague-community-security", TLP.green),
    ("Prague Main Station", T.transport_hub, "Wilsonova 8", "Prague", "CZ", 50.0831, 14.4354,
     15000, 7000, "prague-community-security", TLP.clear),
    ("Brno Synagogue", T.place_of_worship, "Skorepka 13", "Brno", "CZ", 49.1965, 16.6178, 150,
     40, "prague-community-security", TLP.green),
    ("Brno Exhibition Centre", T.other, "Vystaviste 405/1", "Brno", "CZ", 49.1866, 16.5802,
     20000, 5000, "prague-community-security", TLP.green),
    ("Janacek Theatre", T.theatre, "Rooseveltova 7", "Brno", "CZ", 49.1985, 16.6110, 1100, 800,
     "prague-community-security", TLP.green),
    ("Vienna City Temple", T.place_of_worship, "Seitenstettengasse 4", "Vienna", "AT", 48.2115,
     16.3745, 500, 200, "vienna-city-crisis", TLP.green),
    ("Jewish School Vienna Prater", T.school, "Simon-Wiesenthal-Gasse 3", "Vienna", "AT",
     48.2178, 16.3935, 600, 550, "vienna-city-crisis", TLP.amber_strict),
    ("Stephansplatz", T.public_space, "Stephansplatz", "Vienna", "AT", 48.2085, 16.3731, 5000,
     2000, "vienna-city-crisis", TLP.clear),
    ("Vienna Prater Stadium", T.stadium, "Meiereistr. 7", "Vienna", "AT", 48.2073, 16.4208,
     50000, 30000, "vienna-city-crisis", TLP.green),
    ("Vienna State Opera", T.theatre, "Opernring 2", "Vienna", "AT", 48.2030, 16.3690, 2200,
     1900, "vienna-city-crisis", TLP.green),
    ("Christmas Market at City Hall Square", T.public_space, "Rathausplatz", "Vienna", "AT",
     48.2108, 16.3573, 15000, 8000, "vienna-city-crisis", TLP.clear),
    ("Vienna West Station", T.transport_hub, "Europaplatz 2", "Vienna", "AT", 48.1967, 16.3380,
     12000, 5000, "vienna-city-crisis", TLP.clear),
    ("Graz Synagogue", T.place_of_worship, "David-Herzog-Platz 1", "Graz", "AT", 47.0682,
     15.4305, 250, 60, "vienna-city-crisis", TLP.green),
    ("Graz Main Square", T.public_space, "Hauptplatz", "Graz", "AT", 47.0710, 15.4382, 4000,
     1500, "vienna-city-crisis", TLP.clear),
    ("Graz Opera House", T.theatre, "Kaiser-Josef-Platz 10", "Graz", "AT", 47.0700, 15.4450,
     1300, 1000, "vienna-city-crisis", TLP.green),
    ("Shopping City South of Graz", T.shopping_centre, "Feldkirchner Str. 1", "Graz", "AT",
     47.0120, 15.4070, 10000, 6000, "vienna-city-crisis", TLP.green),
    # London, under the UK's premises law: 900 people at a place of worship is the standard
    # tier, at a stadium the enhanced tier; a school stays standard whatever its capacity.
    ("Jewish Free School Kenton", T.school, "The Mall, Kenton", "London", "GB", 51.5836,
     -0.3004, 2000, 1900, "london-community-security", TLP.amber_strict),
    ("Central Synagogue London", T.place_of_worship, "36-40 Hallam Street", "London", "GB",
     51.5206, -0.1434, 900, 350, "london-community-security", TLP.green),
    ("Hackney Wick Community Stadium", T.stadium, "Waterden Road", "London", "GB", 51.5452,
     -0.0226, 900, 600, "london-community-security", TLP.green),
]  # fmt: skip
# Weekly events by type: (name, weekday (Monday 0), local time, hours, share of capacity)
WEEKLY = {
    T.place_of_worship: ("Weekly service", 4, dt.time(18, 0), 2, 0.5),
    T.stadium: ("Match day", 5, dt.time(15, 30), 4, 0.8),
    T.concert_hall: ("Weekend concert", 5, dt.time(19, 30), 3, 0.9),
    T.theatre: ("Saturday performance", 5, dt.time(19, 0), 3, 0.9),
    T.shopping_centre: ("Saturday shopping peak", 5, dt.time(11, 0), 6, 0.6),
    T.community_centre: ("Sunday community programme", 6, dt.time(11, 0), 4, 0.4),
}
# Yearly events: (name, month, day, local time, hours, share of capacity, types)
YEARLY = [
    ("Hanukkah candle lighting", 12, 5, dt.time(17, 0), 2, 0.8,
     {T.place_of_worship, T.community_centre, T.school, T.kindergarten}),
    ("High Holiday services", 9, 12, dt.time(9, 0), 6, 1.0, {T.place_of_worship}),
    ("School year opening", 9, 1, dt.time(8, 0), 3, 1.0, {T.school, T.kindergarten}),
    ("Christmas market opening", 11, 27, dt.time(16, 0), 6, 0.9, {T.public_space}),
    ("New Year's Eve", 12, 31, dt.time(20, 0), 6, 1.0, {T.public_space, T.transport_hub}),
    ("Museum night", 12, 12, dt.time(18, 0), 6, 0.7, {T.museum}),
]  # fmt: skip


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40]


def _principals(
    session: Session, ids: dict[str, int], people: dict[str, int]
) -> dict[str, Principal]:
    found = {}
    for org, email in COORDINATORS.items():
        principal = load_principal(session, person_id=people[email], acting_org_id=ids[org])
        assert principal is not None
        found[org] = principal
    return found


def _perimeter(lat: float, lon: float, half: float = 0.0004) -> dict[str, object]:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


def _weekly_start(now: dt.datetime, zone: str, weekday: int, at: dt.time) -> dt.datetime:
    """The last such weekday at that local time before now: the series runs from there."""
    local = now.astimezone(ZoneInfo(zone))
    day = local.date() - dt.timedelta(days=(local.weekday() - weekday) % 7 + 7)
    return dt.datetime.combine(day, at, tzinfo=ZoneInfo(zone))


def _events(site: Site, kind: SiteType, zone: str, now: dt.datetime) -> list[EventCreate]:
    events = []
    if kind in WEEKLY:
        name, weekday, at, hours, share = WEEKLY[kind]
        start = _weekly_start(now, zone, weekday, at)
        events.append(
            EventCreate(name=name, starts_at=start, ends_at=start + dt.timedelta(hours=hours),
                        timezone=zone, recurrence=Recurrence.weekly,
                        expected_attendance=int(site.capacity * share))
        )  # fmt: skip
    for name, month, day, at, hours, share, kinds in YEARLY:
        if kind in kinds:
            start = dt.datetime.combine(dt.date(now.year - 1, month, day), at, ZoneInfo(zone))
            events.append(
                EventCreate(name=name, starts_at=start, ends_at=start + dt.timedelta(hours=hours),
                            timezone=zone, recurrence=Recurrence.yearly,
                            expected_attendance=int(site.capacity * share))
            )  # fmt: skip
    return events


def load_sites(session: Session, demo: DemoData) -> None:
    """Sites, contacts and events through the service, as each organisation's coordinator."""
    ids, people, settings = demo.org_ids, demo.people, demo.settings
    if session.scalar(select(Site.id).limit(1)) is not None:
        return
    principals = _principals(session, ids, people)
    now = dt.datetime.now(dt.UTC)
    for n, (name, kind, address, city, country, lat, lon, cap, typical, owner, tlp) in enumerate(
        SITES
    ):
        principal = principals[owner]
        site = service.create_site(
            session=session,
            principal=principal,
            data=SiteCreate(
                name=name, type=kind, address=address, city=city, country=country, lat=lat,
                lon=lon, capacity=cap, typical_attendance=typical, tlp=tlp,
                perimeter=_perimeter(lat, lon) if n % 3 == 0 else None,
                opening_pattern="Open daily; peak attendance at the events in the calendar.",
            ),
        )  # fmt: skip
        slug = _slug(name)
        phone = f"{PHONE_PREFIXES[country]} 5550 {100 + n}"
        service.set_contacts(
            session=session,
            principal=principal,
            settings=settings,
            site_id=site.id,
            contacts=[
                ContactWrite(name=f"Security lead, {name}"[:200], role="security lead",
                             email=f"security@{slug}.example.org", phone=phone),
                ContactWrite(name=f"Duty manager, {name}"[:200], role="duty manager",
                             email=f"duty@{slug}.example.org"),
            ],
        )  # fmt: skip
        for event in _events(site, kind, ZONES[country], now):
            service.add_event(session=session, principal=principal, site_id=site.id, data=event)


def demo_site(*, session: Session, name: str, owner_org_id: int) -> Site | None:
    """A demonstration site by its name, for other domains' demonstration data that happens
    there; None when the demo's sites were not loaded."""
    return session.scalar(select(Site).where(Site.name == name, Site.owner_org_id == owner_org_id))
