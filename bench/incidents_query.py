"""The incident list and the per-month counts over 1,000,000 generated incidents (PostgreSQL).

Creates a throwaway database, migrates it, loads the demo organisations and people, adds a few
more organisations in a third network (a continent-wide platform, not one city), and generates
incidents through the bulk path that CSV import uses (`vigil.incidents.transfer` over
`vigil.core.transfer.bulk`: one COPY per table and batch), printing rows/s. Then, in this
process, it times what the API and the dashboards run for principals who are members of
organisations in networks:

- the filtered list exactly as `GET /api/v1/incidents` runs it: `queries.list_incidents` (the
  count and the page, through `core.policy.scope`) and `queries.incident_reads` of the page;
- per-month counts: `queries.filtered(...)` grouped by month (the dashboards' query; written
  here until `reports/` owns it).

Each query shape runs `--repeat` times per principal after one warm-up round; p50 and p95 are
over all those runs. `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of each shape's count, page
and monthly query; `--index SQL` (repeatable) runs extra DDL after generation, to measure an
index before proposing it. The last line is name=value pairs.

    python bench/incidents_query.py                  # 1,000,000 incidents on PostgreSQL
    python bench/incidents_query.py --quick          # 50,000 incidents, smoke run
    python bench/incidents_query.py --rows 200000 --explain

Only 127.0.0.1 is contacted; the database is dropped on exit.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import api as http_bench  # bench/api.py: the throwaway database, signals

# --- the generated world: organisations, cities, words ------------------------------------

# Organisations beside the demo ones: slug, name, kind, country, parent slug.
EXTRA_ORGS = [
    ("spcj-paris", "Community Protection Service Paris", "community_security", "FR", None),
    (
        "spcj-marseille",
        "Community Protection Service Marseille",
        "community_security",
        "FR",
        "spcj-paris",
    ),
    ("cidi-amsterdam", "Community Security Amsterdam", "community_security", "NL", None),
    ("brussels-security", "Community Security Brussels", "community_security", "BE", None),
    ("budapest-security", "Community Security Budapest", "community_security", "HU", None),
    ("krakow-security", "Community Security Poland", "community_security", "PL", None),
    ("milan-security", "Community Security Italy", "community_security", "IT", None),
    ("cst-london", "Community Security London", "community_security", "GB", None),
    ("cst-manchester", "Community Security Manchester", "community_security", "GB", "cst-london"),
    ("madrid-security", "Community Security Spain", "community_security", "ES", None),
    ("nordic-security", "Nordic Community Security", "community_security", "SE", None),
    ("zurich-security", "Community Security Switzerland", "community_security", "CH", None),
    ("fr-police-liaison", "French Police Liaison", "police", "FR", None),
    ("uk-police-liaison", "UK Police Liaison", "police", "GB", None),
]
FORUM = ("european-forum", "European Community Security Forum")
FORUM_MEMBERS = [
    "jcs-berlin",
    "prague-community-security",
    "vienna-city-crisis",
    "spcj-paris",
    "cidi-amsterdam",
    "brussels-security",
    "budapest-security",
    "krakow-security",
    "milan-security",
    "cst-london",
    "madrid-security",
    "nordic-security",
    "zurich-security",
]
# Who records the incidents of a country, and in what share.
OWNERS = {
    "DE": [
        ("jcs-berlin", 60),
        ("victim-support-ngo", 25),
        ("synagogue-oranienburger", 10),
        ("berlin-police-liaison", 5),
    ],
    "CZ": [("prague-community-security", 85), ("cz-interior-soft-targets", 15)],
    "AT": [("vienna-city-crisis", 100)],
    "FR": [("spcj-paris", 70), ("spcj-marseille", 20), ("fr-police-liaison", 10)],
    "NL": [("cidi-amsterdam", 100)],
    "BE": [("brussels-security", 100)],
    "HU": [("budapest-security", 100)],
    "PL": [("krakow-security", 100)],
    "IT": [("milan-security", 100)],
    "GB": [("cst-london", 60), ("cst-manchester", 30), ("uk-police-liaison", 10)],
    "ES": [("madrid-security", 100)],
    "SE": [("nordic-security", 100)],
    "DK": [("nordic-security", 100)],
    "CH": [("zurich-security", 100)],
}
# city, country, lat, lon, IANA zone, weight (roughly the size of the community)
CITIES = [
    ("Berlin", "DE", 52.5200, 13.4050, "Europe/Berlin", 8),
    ("Munich", "DE", 48.1374, 11.5755, "Europe/Berlin", 4),
    ("Hamburg", "DE", 53.5511, 9.9937, "Europe/Berlin", 2),
    ("Frankfurt am Main", "DE", 50.1109, 8.6821, "Europe/Berlin", 3),
    ("Cologne", "DE", 50.9375, 6.9603, "Europe/Berlin", 2),
    ("Leipzig", "DE", 51.3397, 12.3731, "Europe/Berlin", 1),
    ("Prague", "CZ", 50.0755, 14.4378, "Europe/Prague", 2),
    ("Brno", "CZ", 49.1951, 16.6068, "Europe/Prague", 1),
    ("Vienna", "AT", 48.2082, 16.3738, "Europe/Vienna", 3),
    ("Graz", "AT", 47.0707, 15.4395, "Europe/Vienna", 1),
    ("Paris", "FR", 48.8566, 2.3522, "Europe/Paris", 12),
    ("Marseille", "FR", 43.2965, 5.3698, "Europe/Paris", 3),
    ("Lyon", "FR", 45.7640, 4.8357, "Europe/Paris", 2),
    ("Strasbourg", "FR", 48.5734, 7.7521, "Europe/Paris", 1),
    ("Amsterdam", "NL", 52.3676, 4.9041, "Europe/Amsterdam", 3),
    ("Rotterdam", "NL", 51.9244, 4.4777, "Europe/Amsterdam", 1),
    ("Brussels", "BE", 50.8503, 4.3517, "Europe/Brussels", 2),
    ("Antwerp", "BE", 51.2194, 4.4025, "Europe/Brussels", 2),
    ("Budapest", "HU", 47.4979, 19.0402, "Europe/Budapest", 3),
    ("Krakow", "PL", 50.0647, 19.9450, "Europe/Warsaw", 1),
    ("Warsaw", "PL", 52.2297, 21.0122, "Europe/Warsaw", 1),
    ("Milan", "IT", 45.4642, 9.1900, "Europe/Rome", 1),
    ("Rome", "IT", 41.9028, 12.4964, "Europe/Rome", 2),
    ("London", "GB", 51.5074, -0.1278, "Europe/London", 12),
    ("Manchester", "GB", 53.4808, -2.2426, "Europe/London", 4),
    ("Madrid", "ES", 40.4168, -3.7038, "Europe/Madrid", 1),
    ("Barcelona", "ES", 41.3874, 2.1686, "Europe/Madrid", 1),
    ("Stockholm", "SE", 59.3293, 18.0686, "Europe/Stockholm", 1),
    ("Malmo", "SE", 55.6050, 13.0038, "Europe/Stockholm", 1),
    ("Copenhagen", "DK", 55.6761, 12.5683, "Europe/Copenhagen", 1),
    ("Zurich", "CH", 47.3769, 8.5417, "Europe/Zurich", 2),
    ("Geneva", "CH", 46.2044, 6.1432, "Europe/Zurich", 1),
]
SITES = [
    "synagogue",
    "community centre",
    "Jewish school",
    "kindergarten",
    "kosher shop",
    "kosher restaurant",
    "cemetery",
    "Holocaust memorial",
    "youth club",
    "student union",
    "museum",
    "mosque",
    "rabbi's home",
    "community office",
    "old people's home",
]
STREETS = [
    "Hauptstrasse",
    "Bahnhofstrasse",
    "Kirchgasse",
    "Lindenallee",
    "Market Square",
    "High Street",
    "Station Road",
    "Rue de la Paix",
    "Rue des Rosiers",
    "Avenue Victor Hugo",
    "Keizersgracht",
    "Dohany utca",
    "Parizska",
    "Via Roma",
    "Calle Mayor",
    "Drottninggatan",
    "Seestrasse",
    "Oranienburger Strasse",
    "Rosenthaler Strasse",
    "Mill Lane",
    "Church Road",
    "Park Avenue",
    "Schillerplatz",
    "Goethestrasse",
    "Rue du Temple",
    "Nieuwmarkt",
    "Kazimierz Square",
    "Ringstrasse",
    "Novy Svet",
    "Tram stop Central",
]
MOMENTS = [
    "in the morning",
    "at lunchtime",
    "in the afternoon",
    "during the evening service",
    "after the Friday service",
    "overnight",
    "at the weekend",
    "during a school trip",
    "as the children were collected",
    "during a public event",
]
OBJECTS = [
    "swastikas",
    "conspiracy slogans",
    "a Star of David crossed out",
    "insults",
    "a death threat",
    "stickers of a banned group",
    "a caricature",
]
# (type, title, narrative); {site}, {street}, {moment}, {object}, {n} are filled in.
STORIES = [
    (
        "damage",
        "Graffiti on the {site}",
        "{object} sprayed on the front wall of the {site} on {street} {moment}; "
        "photographed and removed by the caretaker.",
    ),
    (
        "damage",
        "Windows of the {site} broken",
        "{n} windows of the {site} on {street} were smashed {moment}; stones found inside.",
    ),
    (
        "damage",
        "Gravestones overturned",
        "{n} gravestones overturned and {object} painted at the {site} near {street}.",
    ),
    (
        "abusive_behaviour",
        "Verbal abuse outside the {site}",
        "A man shouted {object} at people leaving the {site} on {street} {moment}.",
    ),
    (
        "abusive_behaviour",
        "Abuse on public transport",
        "A group abused a visitor wearing a kippah on the tram near {street} {moment}.",
    ),
    (
        "threat",
        "Threatening e-mail to the {site}",
        "An anonymous e-mail to the {site} threatened an attack {moment}; police informed.",
    ),
    (
        "threat",
        "Threatening phone calls",
        "The office of the {site} received {n} calls with {object} {moment}.",
    ),
    (
        "hostile_reconnaissance",
        "Person filming the entrance of the {site}",
        "A person filmed the entrance and the guards of the {site} on {street} for {n} minutes "
        "{moment} and left when approached.",
    ),
    (
        "hostile_reconnaissance",
        "Car circling the {site}",
        "A grey car drove past the {site} on {street} {n} times {moment}; plate noted.",
    ),
    (
        "literature",
        "Stickers near the {site}",
        "About {n} stickers with {object} on lamp posts along {street} near the {site}.",
    ),
    (
        "literature",
        "Leaflets in letterboxes",
        "Leaflets with {object} were put in letterboxes on {street} {moment}.",
    ),
    (
        "assault",
        "Visitor pushed and spat at",
        "A visitor of the {site} was pushed and spat at on {street} {moment}.",
    ),
    (
        "assault",
        "Bottle thrown at worshippers",
        "A bottle was thrown at people outside the {site} on {street} {moment}; one hurt.",
    ),
    (
        "suspicious_item",
        "Unattended bag at the {site}",
        "A bag was left by the gate of the {site} on {street} {moment}; police cleared it after "
        "{n} minutes.",
    ),
    (
        "intrusion",
        "Attempted entry into the {site}",
        "Someone tried to force the back door of the {site} on {street} {moment}.",
    ),
    (
        "cyber",
        "Website of the {site} defaced",
        "The website of the {site} showed {object} for {n} hours before it was restored.",
    ),
    (
        "extreme_violence",
        "Arson attempt at the {site}",
        "A burning object was thrown at the door of the {site} on {street} {moment}.",
    ),
    (
        "other",
        "Hoax delivery to the {site}",
        "{n} pizzas ordered in the name of the {site} were delivered to {street} {moment}.",
    ),
]
STORY_WEIGHTS = [9, 3, 2, 12, 5, 6, 3, 4, 2, 8, 3, 3, 1, 2, 1, 2, 0.3, 1]
BIASES = [
    ("antisemitism", 70),
    ("racism_xenophobia", 8),
    ("anti_muslim", 8),
    ("anti_christian", 2),
    ("sexual_orientation_gender_identity", 3),
    ("anti_roma", 2),
    ("other", 2),
    ("unknown", 5),
]
TLPS = [("amber+strict", 35), ("amber", 15), ("green", 35), ("clear", 10), ("red", 5)]
STATUSES = [
    ("new", 6),
    ("triaged", 20),
    ("verified", 45),
    ("closed", 24),
    ("rejected", 3),
    ("merged", 2),
]
SOURCES = [("member", 60), ("public", 15), ("import", 20), ("partner", 5)]
SEVERITIES = [("minor", 50), ("moderate", 30), ("severe", 8), ("extreme", 1), ("unknown", 11)]
# precision of the place, and whether there is a point at all
PRECISIONS = [("street", 65), ("exact", 10), ("city", 15), ("country", 3), (None, 7)]


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


@dataclass
class World:
    """The ids of the generated world, and what incident generation draws from."""

    org_ids: dict[str, int]
    # per country: owner ids and weights, drawn for each incident
    owners: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for country, shares in OWNERS.items():
            self.owners[country] = (
                [self.org_ids[s] for s, _ in shares],
                [w for _, w in shares],
            )


def setup_world(url: str) -> World:
    """Demo organisations and people (bench/api.py's prepare) plus the extra organisations."""
    from sqlalchemy import select

    from vigil.core.db import transaction
    from vigil.core.policy import SYSTEM
    from vigil.orgs import service as orgs_service
    from vigil.orgs.models import Organisation, OrgKind
    from vigil.orgs.schemas import NetworkCreate, OrganisationCreate

    with transaction(url) as session:
        ids = {
            slug: org_id
            for slug, org_id in session.execute(select(Organisation.slug, Organisation.id))
        }
        for slug, name, kind, country, parent in EXTRA_ORGS:
            org = orgs_service.create_organisation(
                session=session,
                principal=SYSTEM,
                data=OrganisationCreate(
                    slug=slug,
                    name=name,
                    kind=OrgKind(kind),
                    country=country,
                    parent_id=ids[parent] if parent else None,
                ),
            )
            ids[slug] = org.id
        network = orgs_service.create_network(
            session=session, principal=SYSTEM, data=NetworkCreate(slug=FORUM[0], name=FORUM[1])
        )
        for slug in FORUM_MEMBERS:
            orgs_service.add_to_network(
                session=session, principal=SYSTEM, network_id=network.id, org_id=ids[slug]
            )
    return World(ids)


def story(rng: random.Random) -> tuple[str, str, str]:
    """(type, title, narrative) of one generated account."""
    kind, title, narrative = rng.choices(STORIES, STORY_WEIGHTS)[0]
    slots = {
        "site": rng.choice(SITES),
        "street": rng.choice(STREETS),
        "moment": rng.choice(MOMENTS),
        "object": rng.choice(OBJECTS),
        "n": rng.randint(2, 40),
    }
    text = narrative.format(**slots)
    return kind, title.format(**slots), text[0].upper() + text[1:]


def incident_fields(
    rng: random.Random, *, start: dt.datetime, end: dt.datetime, city: tuple[Any, ...] | None = None
) -> dict[str, Any]:
    """One incident's column values, as `transfer.incident_values` gives them."""
    name, country, lat, lon, zone, _ = city or rng.choices(CITIES, [c[5] for c in CITIES])[0]
    kind, title, narrative = story(rng)
    occurred = start + (end - start) * rng.random()
    occurred = occurred.replace(microsecond=0)
    precision = _pick(rng, PRECISIONS)
    point_lat: float | None = None
    point_lon: float | None = None
    address = ""
    if precision in ("street", "exact"):
        point_lat = round(lat + rng.uniform(-0.06, 0.06), 5)
        point_lon = round(lon + rng.uniform(-0.09, 0.09), 5)
        address = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
    elif precision == "city":
        point_lat, point_lon = lat, lon
    bias = [_pick(rng, BIASES)]
    if rng.random() < 0.1:
        bias.append(_pick(rng, BIASES))
    bias = sorted(set(bias))
    ihra = []
    if "antisemitism" in bias and rng.random() < 0.4:
        ihra = sorted({f"ihra.{rng.randint(1, 11)}" for _ in range(rng.randint(1, 2))})
    return {
        "title": title,
        "narrative": narrative,
        "occurred_from": occurred,
        "occurred_to": occurred + dt.timedelta(hours=rng.randint(1, 6))
        if rng.random() < 0.1
        else None,
        "timezone": zone,
        "lat": point_lat,
        "lon": point_lon,
        "address": address,
        "city": name if precision is not None else "",
        "country": country,
        "precision": precision or "country",
        "type": kind,
        "target_kind": rng.choice(["person", "property", "institution", "online", None]),
        "injuries": rng.randint(1, 3) if kind in ("assault", "extreme_violence") else 0,
        "damage": "Cleaning and repair." if kind == "damage" else "",
        "police_reported": rng.random() < 0.55,
        "police_reference": "",
        "severity": _pick(rng, SEVERITIES),
        "bias": bias,
        "ihra": ihra,
    }


def incident_rows(
    rng: random.Random, world: World, count: int, *, start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    """`count` rows for `transfer.bulk_insert_incidents`."""
    rows = []
    for _ in range(count):
        values = incident_fields(rng, start=start, end=end)
        owners, weights = world.owners[values["country"]]
        created = min(end, values["occurred_from"] + dt.timedelta(hours=rng.expovariate(1 / 20)))
        values.update(
            owner_org_id=rng.choices(owners, weights)[0],
            tlp=_pick(rng, TLPS),
            status=_pick(rng, STATUSES),
            source=_pick(rng, SOURCES),
            created_at=created,
            updated_at=created,
        )
        rows.append(values)
    return rows


def check_rows(rows: Sequence[dict[str, Any]]) -> None:
    """The generated values are what validation accepts (a sample goes through the schema)."""
    from vigil.incidents.schemas import IncidentFields

    for row in rows[:200]:
        IncidentFields.model_validate(
            {
                **{k: row[k] for k in ("title", "narrative", "occurred_from", "occurred_to")},
                **{k: row[k] for k in ("timezone", "type", "bias", "ihra", "severity")},
                "target_kind": row["target_kind"],
                "injuries": row["injuries"],
                "place": {
                    k: row[k] for k in ("lat", "lon", "address", "city", "country", "precision")
                },
            }
        )


def generate(
    url: str,
    world: World,
    count: int,
    *,
    seed: int,
    start: dt.datetime,
    end: dt.datetime,
    batch: int = 50_000,
    keep: Callable[[list[dict[str, Any]], list[int]], None] | None = None,
) -> dict[str, float]:
    """Write `count` incidents (codes and a few explicit recipients too) in batches.

    Returns seconds spent building rows in Python, writing them, and analysing afterwards;
    `keep(rows, ids)` sees every batch (the reports benchmark samples incidents from it).
    """
    from sqlalchemy import text

    from vigil.core.db import get_engine, transaction
    from vigil.core.transfer import write_rows
    from vigil.incidents.models import Incident
    from vigil.incidents.transfer import bulk_insert_incidents

    rng = random.Random(seed)
    recipients_table = Incident.__recipients__
    partner_orgs = [world.org_ids[s] for s in ("berlin-police-liaison", "uk-police-liaison")]
    spent = {"build": 0.0, "write": 0.0, "write_cpu": 0.0, "analyse": 0.0}
    spent.update(codes=0.0, recipients=0.0)
    done = 0
    while done < count:
        size = min(batch, count - done)
        t0 = time.perf_counter()
        rows = incident_rows(rng, world, size, start=start, end=end)
        if done == 0:
            check_rows(rows)
        t1, cpu = time.perf_counter(), time.process_time()
        with transaction(url) as session:
            ids = bulk_insert_incidents(session=session, rows=rows)
            shared = [
                {"record_id": i, "org_id": rng.choice(partner_orgs), "person_id": None}
                for i, row in zip(ids, rows, strict=True)
                if row["tlp"] in ("amber", "amber+strict") and rng.random() < 0.05
            ]
            write_rows(session, recipients_table, shared)
        t2 = time.perf_counter()
        spent["build"] += t1 - t0
        spent["write"] += t2 - t1
        spent["write_cpu"] += time.process_time() - cpu
        spent["codes"] += sum(len(r["bias"]) + len(r["ihra"]) for r in rows)
        spent["recipients"] += len(shared)
        if keep is not None:
            keep(rows, ids)
        done += size
    t0 = time.perf_counter()
    engine = get_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: statistics and the visibility map.
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
    spent["analyse"] = time.perf_counter() - t0
    return spent


# --- the queries -----------------------------------------------------------------------------

PRINCIPALS = [
    # demo person, what they are
    ("coordinator@jcs-berlin.example", "coordinator, community security, three networks"),
    ("liaison@police-berlin.example", "analyst, police liaison, one network"),
]


def list_shapes(now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
    """Filter combinations people use on the incident list (IncidentListQuery fields)."""
    day = dt.timedelta(days=1)
    return [
        ("newest, no filter", {}),
        ("last 30 days", {"occurred_after": now - 30 * day}),
        (
            "assault or threat, 12 months",
            {"type": ["assault", "threat"], "occurred_after": now - 365 * day},
        ),
        (
            "antisemitism in DE, 90 days",
            {"bias": ["antisemitism"], "country": "DE", "occurred_after": now - 90 * day},
        ),
        ("triage backlog (status new)", {"status": ["new"]}),
        ("Berlin, text 'graffiti'", {"city": "Berlin", "q": "graffiti"}),
        (
            "TLP green, public source, 12 months",
            {"tlp": ["green"], "source": ["public"], "occurred_after": now - 365 * day},
        ),
        ("page 10 of 12 months", {"occurred_after": now - 365 * day, "offset": 450}),
    ]


def monthly_shapes(now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
    """Dashboard counts per month."""
    day = dt.timedelta(days=1)
    return [
        ("all, 12 months", {"occurred_after": now - 365 * day}),
        ("antisemitism, 24 months", {"bias": ["antisemitism"], "occurred_after": now - 730 * day}),
        (
            "assault or extreme violence in DE, 12 months",
            {
                "type": ["assault", "extreme_violence"],
                "country": "DE",
                "occurred_after": now - 365 * day,
            },
        ),
        ("all, all time", {}),
    ]


def monthly_counts(session: Any, filters: Any, principal: Any) -> list[tuple[Any, int]]:
    """Incidents per month of `occurred_from` (UTC) under the list's filters and the policy.

    The dashboards' query, kept here until `reports/` owns it.
    """
    from sqlalchemy import func, select

    from vigil.incidents import queries

    visible = queries.filtered(filters, principal).subquery()
    if session.get_bind().dialect.name == "postgresql":
        month = func.date_trunc("month", func.timezone("UTC", visible.c.occurred_from))
    else:
        month = func.strftime("%Y-%m", visible.c.occurred_from)
    stmt = select(month.label("month"), func.count()).group_by(month).order_by(month)
    return [(m, int(n)) for m, n in session.execute(stmt)]


@dataclass
class Timings:
    list_ms: dict[str, list[float]] = field(default_factory=dict)
    monthly_ms: dict[str, list[float]] = field(default_factory=dict)
    totals: dict[str, str] = field(default_factory=dict)  # "1,234", or "10,000+" when capped


def measure(url: str, now: dt.datetime, repeat: int) -> Timings:
    from vigil.core.db import get_sessionmaker
    from vigil.incidents import queries
    from vigil.orgs import accounts
    from vigil.orgs.principals import load_principal

    readonly = get_sessionmaker(url, readonly=True)
    principals = []
    with readonly() as session:
        for email, _ in PRINCIPALS:
            person = accounts.person_by_email(session, email)
            assert person is not None, email
            principal = load_principal(session, person_id=person.id)
            assert principal is not None
            principals.append(principal)
    timings = Timings()
    for round_no in range(repeat + 1):  # round 0 warms the caches and is not counted
        for name, values in list_shapes(now):
            query = queries.IncidentListQuery.model_validate(values)
            for who, principal in enumerate(principals):
                with readonly() as session:
                    t0 = time.perf_counter()
                    found = queries.list_incidents(
                        session=session,
                        principal=principal,
                        filters=query,
                        limit=query.limit,
                        offset=query.offset,
                    )
                    items = queries.incident_reads(
                        session=session, principal=principal, incidents=found.rows
                    )
                    elapsed = (time.perf_counter() - t0) * 1000
                assert len(items) <= query.limit
                timings.totals[f"{name} [{who}]"] = (
                    f"{found.total:,}" if found.total_exact else f"{found.total:,}+"
                )
                if round_no:
                    timings.list_ms.setdefault(name, []).append(elapsed)
        for name, values in monthly_shapes(now):
            filters = queries.IncidentFilters.model_validate(values)
            for principal in principals:
                with readonly() as session:
                    t0 = time.perf_counter()
                    counts = monthly_counts(session, filters, principal)
                    elapsed = (time.perf_counter() - t0) * 1000
                assert counts or not values, name
                if round_no:
                    timings.monthly_ms.setdefault(name, []).append(elapsed)
    return timings


def explain(url: str, now: dt.datetime) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the count, the page and the monthly query of each shape."""
    from sqlalchemy import func, select

    from vigil.core.db import get_sessionmaker
    from vigil.incidents import queries
    from vigil.incidents.models import Incident
    from vigil.orgs import accounts
    from vigil.orgs.principals import load_principal

    with get_sessionmaker(url, readonly=True)() as session:
        if session.get_bind().dialect.name != "postgresql":
            print("  --explain needs PostgreSQL", flush=True)
            return
        person = accounts.person_by_email(session, PRINCIPALS[0][0])
        assert person is not None
        principal = load_principal(session, person_id=person.id)
        assert principal is not None

        def show(label: str, stmt: Any) -> None:
            compiled = stmt.compile(
                dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
            )
            plan = session.connection().exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params
            )
            print(f"\n  -- {label}", flush=True)
            for (line,) in plan:
                print(f"  {line}", flush=True)

        for name, values in list_shapes(now):
            query = queries.IncidentListQuery.model_validate(values)
            stmt = queries.filtered(query, principal)
            capped = stmt.with_only_columns(Incident.id).limit(queries.COUNT_LIMIT + 1)
            show(f"{name}: count", select(func.count()).select_from(capped.subquery()))
            page = stmt.order_by(Incident.occurred_from.desc(), Incident.id.desc())
            show(f"{name}: page", page.limit(query.limit).offset(query.offset))
        for name, values in monthly_shapes(now):
            filters = queries.IncidentFilters.model_validate(values)
            visible = queries.filtered(filters, principal).subquery()
            month = func.date_trunc("month", func.timezone("UTC", visible.c.occurred_from))
            show(f"monthly {name}", select(month, func.count()).group_by(month).order_by(month))


# --- main ------------------------------------------------------------------------------------


def quantile(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Setup:
    values: dict[str, str]
    url: str  # SQLAlchemy URL
    world: World
    generation: dict[str, float]
    rows: int
    email: str
    password: str


@contextlib.contextmanager
def prepared_database(
    args: argparse.Namespace,
    work: Path,
    rows: int,
    *,
    years: float,
    keep: Callable[[list[dict[str, Any]], list[int]], None] | None = None,
) -> Iterator[tuple[Setup, http_bench.DatabaseProbe]]:
    """A throwaway database with the demo data, the extra organisations and `rows` incidents."""
    from vigil.core.config import Settings

    with http_bench.database(args.db, work / "data", args.pg_url) as (url, probe):
        values = http_bench.server_values(work, url)
        email, password = http_bench.prepare(values, demo=True)
        sa_url = Settings(**values).sqlalchemy_url  # type: ignore[arg-type]
        world = setup_world(sa_url)
        end = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
        start = end - dt.timedelta(days=365.25 * years)
        t0 = time.perf_counter()
        spent = generate(sa_url, world, rows, seed=args.seed, start=start, end=end, keep=keep)
        spent["total"] = time.perf_counter() - t0
        yield Setup(values, sa_url, world, spent, rows, email, password), probe


def print_generation(setup: Setup) -> dict[str, str]:
    spent, rows = setup.generation, setup.rows
    loaded = spent["build"] + spent["write"]
    print(
        f"generated {rows:,} incidents ({spent['codes']:,.0f} codes, "
        f"{spent['recipients']:,.0f} explicit recipients) in {spent['total']:.1f} s: "
        f"building rows {spent['build']:.1f} s, bulk write (COPY/executemany, commit) "
        f"{spent['write']:.1f} s (of which {spent['write_cpu']:.1f} s CPU in this process), "
        f"VACUUM ANALYZE {spent['analyse']:.1f} s\n"
        f"  {rows / spent['write']:,.0f} rows/s written, {rows / loaded:,.0f} rows/s "
        "built and written",
        flush=True,
    )
    return {"generate_rows_per_s": f"{rows / loaded:.0f}"}


def bench(args: argparse.Namespace) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    pairs: dict[str, str] = {}
    try:
        print(
            f"{args.rows:,} incidents on {args.db}, {args.repeat} runs per query and principal; "
            f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
            f"load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        with prepared_database(args, work, args.rows, years=args.years) as (setup, _probe):
            pairs.update(print_generation(setup))
            from sqlalchemy import text

            from vigil.core.db import get_engine

            for ddl in args.index:
                t0 = time.perf_counter()
                with get_engine(setup.url).begin() as conn:
                    conn.execute(text(ddl))
                    conn.execute(text("ANALYZE incidents"))
                print(f"  ran in {time.perf_counter() - t0:.1f} s: {ddl}", flush=True)
            now = dt.datetime.now(dt.UTC)
            if args.explain:
                explain(setup.url, now)
            timings = measure(setup.url, now, args.repeat)
            print(f"\nload average now {os.getloadavg()[0]:.2f}", flush=True)
            everything: dict[str, list[float]] = {}
            for kind, found in (("list", timings.list_ms), ("monthly", timings.monthly_ms)):
                print(f"\n{kind} (ms)               p50      p95      max   rows seen", flush=True)
                for name, values in found.items():
                    seen = "/".join(
                        n for k, n in timings.totals.items() if k.startswith(f"{name} [")
                    )
                    print(
                        f"  {name:<44} {quantile(values, 50):8.1f} {quantile(values, 95):8.1f} "
                        f"{max(values):8.1f}   {seen}",
                        flush=True,
                    )
                    everything.setdefault(kind, []).extend(values)
            pairs["list_p50_ms"] = f"{quantile(everything['list'], 50):.1f}"
            pairs["list_p95_ms"] = f"{quantile(everything['list'], 95):.1f}"
            pairs["monthly_p50_ms"] = f"{quantile(everything['monthly'], 50):.1f}"
            pairs["monthly_p95_ms"] = f"{quantile(everything['monthly'], 95):.1f}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pairs["rows"] = str(args.rows)
    pairs["db"] = args.db
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--pg-url", default=http_bench.DEFAULT_PG_URL, help="server to create a database on"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 50,000 incidents")
    parser.add_argument("--rows", type=int, default=None, help="default 1,000,000 (quick: 50,000)")
    parser.add_argument("--years", type=float, default=10.0, help="the incidents' time span")
    parser.add_argument("--repeat", type=int, default=None, help="default 10 (quick: 3)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE plans")
    parser.add_argument(
        "--index", action="append", default=[], help="DDL to run before measuring (repeatable)"
    )
    args = parser.parse_args()
    args.rows = args.rows or (50_000 if args.quick else 1_000_000)
    args.repeat = args.repeat or (3 if args.quick else 10)
    http_bench._stop_on_signals()
    pairs = bench(args)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
