"""Property test of the access policy (DECISIONS 15): the API shows exactly what TLP allows.

Hypothesis draws organisation trees, networks, people with roles and shareable records with
random owner, author, TLP and recipients; each record is written as a row of every shareable
model (notices, incidents, reports, alerts, sites, assessments), every person then lists and
opens every row through the real ASGI app, and what they get must equal what
`tests.policy_oracle` (written apart from `core.policy`) says they may read. Runs on SQLite and
PostgreSQL through the `client` fixture.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from tests.factories import token_headers
from tests.policy_oracle import OrgStructure, SharedRecord, may_read
from vigil.alerts.models import Alert
from vigil.assessments import versions
from vigil.assessments.models import Assessment
from vigil.core.auth import ApiToken
from vigil.incidents.models import Incident, Report
from vigil.notices.models import Notice
from vigil.orgs.models import Membership, Network, Organisation, Person, network_members
from vigil.sites.models import Site

ROLES = ["viewer", "reporter", "analyst", "coordinator", "org_admin"]
TLPS = ["red", "amber+strict", "amber", "green", "clear"]
PAGE_SIZE = 500
_unique = itertools.count(1)


@dataclass(frozen=True)
class PersonSpec:
    memberships: dict[int, str]  # organisation index -> role
    platform_admin: bool


@dataclass(frozen=True)
class NoticeSpec:
    owner: int
    author: int | None  # person index
    tlp: str
    recipient_orgs: frozenset[int]
    recipient_people: frozenset[int]


@dataclass(frozen=True)
class Scenario:
    parents: list[int | None]  # organisation index -> parent index
    networks: list[frozenset[int]]
    people: list[PersonSpec]
    notices: list[NoticeSpec]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    org_count = draw(st.integers(1, 5))
    # Parents are drawn along a random order, so a parent may have a higher id than its child,
    # and the tree can never contain a cycle.
    order = draw(st.permutations(range(org_count)))
    parents: list[int | None] = [None] * org_count
    for position, org in enumerate(order[1:], start=1):
        parents[org] = draw(st.none() | st.sampled_from(order[:position]))
    orgs = st.sampled_from(range(org_count))
    networks = draw(st.lists(st.frozensets(orgs, min_size=1), max_size=2))
    people = draw(
        st.lists(
            st.builds(
                PersonSpec,
                memberships=st.dictionaries(orgs, st.sampled_from(ROLES), max_size=3),
                platform_admin=st.booleans(),
            ),
            min_size=1,
            max_size=5,
        )
    )
    persons = st.sampled_from(range(len(people)))
    notices: list[NoticeSpec] = []
    for _ in range(draw(st.integers(1, 7))):
        owner = draw(orgs)
        insiders = [i for i, p in enumerate(people) if owner in p.memberships]
        # Mostly an author from the owner organisation; sometimes one who is not (or no longer).
        authors = st.none() | persons
        if insiders:
            authors = st.sampled_from(insiders) | authors
        notices.append(
            NoticeSpec(
                owner=owner,
                author=draw(authors),
                tlp=draw(st.sampled_from(TLPS)),
                recipient_orgs=draw(st.frozensets(orgs, max_size=3)),
                recipient_people=draw(st.frozensets(persons, max_size=2)),
            )
        )
    return Scenario(parents=parents, networks=networks, people=people, notices=notices)


@dataclass(frozen=True)
class RecordKind:
    """One shareable model as the API shows it; every shareable model belongs in KINDS."""

    model: Any
    path: str
    list_path: str | None
    columns: Callable[[int, int], dict[str, Any]]  # (run, index) -> the model's own columns
    shows_recipients: bool
    # Rows a record needs to exist (e.g. an assessment's site): made once per run.
    parents: Callable[[Session, int, list[Organisation]], dict[str, Any]] | None = None


def assessment_parents(session: Session, run: int, orgs: list[Organisation]) -> dict[str, Any]:
    """The run's first site (its TLP never decides who reads an assessment) and a methodology."""
    site_id = session.scalar(
        select(Site.id).where(Site.name.like(f"Site % of run {run}")).order_by(Site.id).limit(1)
    )
    assert site_id is not None, "the Site kind comes before the Assessment kind"
    version = versions.ensure_shipped(session)[0]
    return {"site_id": site_id, "methodology_version_id": version.id}


KINDS = [
    RecordKind(
        Notice,
        "/api/v1/notices",
        "/api/v1/notices",
        lambda run, i: {"title": f"Notice {i} of run {run}", "body": f"Body {i}"},
        True,
    ),
    RecordKind(
        Incident,
        "/api/v1/incidents",
        "/api/v1/incidents",
        lambda run, i: {
            "title": f"Incident {i} of run {run}",
            "type": "threat",
            "source": "member",
            "status": "triaged",
            "occurred_from": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        },
        False,
    ),
    RecordKind(Report, "/api/v1/reports", None, lambda run, i: {"source": "member"}, False),
    RecordKind(
        Site,
        "/api/v1/sites",
        "/api/v1/sites",
        lambda run, i: {
            "name": f"Site {i} of run {run}",
            "type": "school",
            "lat": 48.2 + i / 100,
            "lon": 16.37,
        },
        True,
    ),
    RecordKind(
        Assessment,
        "/api/v1/assessments",
        None,
        lambda run, i: {"status": "in_progress"},
        False,
        parents=assessment_parents,
    ),
    RecordKind(
        Alert,
        "/api/v1/alerts",
        "/api/v1/alerts",
        lambda run, i: {
            "identifier": f"vigil-{run}-{i}",
            "sender": "org@vigil.example",
            "state": "sent",
            "event": f"Alert {i} of run {run}",
            "urgency": "Immediate",
            "severity": "Extreme",
            "certainty": "Observed",
            "effective": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "area_desc": "Vienna",
        },
        False,
    ),
]


@dataclass
class Inserted:
    org_ids: list[int]
    person_ids: list[int]
    record_ids: dict[str, list[int]]  # model table -> ids, in the order of scenario.notices
    headers: list[dict[str, str]]


def insert_scenario(session: Session, scenario: Scenario) -> Inserted:
    """Plain ORM rows: the rule under test is reading, so no service is needed to write them."""
    run = next(_unique)
    orgs = [
        Organisation(slug=f"p{run}-org-{i}", name=f"Org {i}", kind="ngo", country="DE")
        for i in range(len(scenario.parents))
    ]
    session.add_all(orgs)
    session.flush()
    for org, parent in zip(orgs, scenario.parents, strict=True):
        org.parent_id = None if parent is None else orgs[parent].id
    for n, members in enumerate(scenario.networks):
        network = Network(slug=f"p{run}-net-{n}", name=f"Network {n}")
        session.add(network)
        session.flush()
        session.execute(
            insert(network_members),
            [{"network_id": network.id, "org_id": orgs[i].id} for i in members],
        )
    people = [
        Person(
            email=f"p{run}-{i}@example.org",
            name=f"Person {i}",
            password_hash="!",
            is_platform_admin=spec.platform_admin,
        )
        for i, spec in enumerate(scenario.people)
    ]
    session.add_all(people)
    session.flush()
    session.add_all(
        Membership(person_id=person.id, org_id=orgs[org].id, role=role)
        for person, spec in zip(people, scenario.people, strict=True)
        for org, role in spec.memberships.items()
    )
    record_ids = {
        kind.model.__tablename__: insert_records(session, kind, run, scenario, orgs, people)
        for kind in KINDS
    }
    headers = [token_headers(session, person) for person in people]
    session.commit()
    return Inserted(
        org_ids=[o.id for o in orgs],
        person_ids=[p.id for p in people],
        record_ids=record_ids,
        headers=headers,
    )


def insert_records(
    session: Session,
    kind: RecordKind,
    run: int,
    scenario: Scenario,
    orgs: list[Organisation],
    people: list[Person],
) -> list[int]:
    parents = kind.parents(session, run, orgs) if kind.parents else {}
    rows = [
        kind.model(
            owner_org_id=orgs[spec.owner].id,
            author_id=None if spec.author is None else people[spec.author].id,
            tlp=spec.tlp,
            **kind.columns(run, i),
            **parents,
        )
        for i, spec in enumerate(scenario.notices)
    ]
    session.add_all(rows)
    session.flush()
    recipients = [
        {"record_id": row.id, "org_id": orgs[o].id, "person_id": None}
        for row, spec in zip(rows, scenario.notices, strict=True)
        for o in spec.recipient_orgs
    ] + [
        {"record_id": row.id, "org_id": None, "person_id": people[p].id}
        for row, spec in zip(rows, scenario.notices, strict=True)
        for p in spec.recipient_people
    ]
    if recipients:
        session.execute(insert(kind.model.__recipients__), recipients)
    return [row.id for row in rows]


def remove_everything(session: Session) -> None:
    """Each example starts from an empty database (no audit rows are written, none to keep)."""
    session.rollback()
    for kind in reversed(KINDS):
        session.execute(delete(kind.model.__recipients__))
        session.execute(delete(kind.model))
    session.execute(delete(ApiToken))
    session.execute(delete(Membership))
    session.execute(delete(Person))
    session.execute(delete(network_members))
    session.execute(delete(Network))
    session.execute(delete(Organisation))
    session.commit()


def expected_readable(scenario: Scenario, ids: Inserted, person: int) -> set[int]:
    """Indexes (into scenario.notices) of the records this person may read."""
    structure = OrgStructure(
        parent_of={
            ids.org_ids[i]: None if p is None else ids.org_ids[p]
            for i, p in enumerate(scenario.parents)
        },
        network_orgs={
            n: {ids.org_ids[i] for i in members} for n, members in enumerate(scenario.networks)
        },
    )
    memberships = {ids.org_ids[o]: r for o, r in scenario.people[person].memberships.items()}
    readable = set()
    for index, spec in enumerate(scenario.notices):
        record = SharedRecord(
            owner_org=ids.org_ids[spec.owner],
            author=None if spec.author is None else ids.person_ids[spec.author],
            tlp=spec.tlp,
            recipient_orgs=frozenset(ids.org_ids[o] for o in spec.recipient_orgs),
            recipient_people=frozenset(ids.person_ids[p] for p in spec.recipient_people),
        )
        if may_read(ids.person_ids[person], memberships, structure, record):
            readable.add(index)
    return readable


def listed_ids(client: TestClient, path: str, headers: dict[str, str]) -> set[int]:
    found: list[int] = []
    offset = 0
    while True:
        response = client.get(path, params={"limit": PAGE_SIZE, "offset": offset}, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        found += [item["id"] for item in page["items"]]
        offset += PAGE_SIZE
        if offset >= page["total"]:
            assert len(found) == page["total"]
            return set(found)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_every_person_lists_and_opens_exactly_what_the_tlp_table_allows(
    client: TestClient, committed: Session, scenario: Scenario
) -> None:
    try:
        ids = insert_scenario(committed, scenario)
        for person, spec in enumerate(scenario.people):
            headers = ids.headers[person]
            readable = expected_readable(scenario, ids, person)
            where = f"person {person} ({spec}) in {scenario}"
            for kind in KINDS:
                record_ids = ids.record_ids[kind.model.__tablename__]
                expected = {record_ids[i] for i in readable}
                if kind.list_path:
                    assert listed_ids(client, kind.list_path, headers) == expected, where
                for record_id, record in zip(record_ids, scenario.notices, strict=True):
                    response = client.get(f"{kind.path}/{record_id}", headers=headers)
                    if record_id not in expected:
                        assert response.status_code == 404, f"{kind.path} {record}: {where}"
                        continue
                    assert response.status_code == 200, f"{kind.path} {record}: {where}"
                    if kind.shows_recipients:
                        # Who else a record went to is for the owning organisation's eyes only.
                        shows_recipients = response.json()["recipients"] is not None
                        assert shows_recipients == (record.owner in spec.memberships), where
    finally:
        remove_everything(committed)
