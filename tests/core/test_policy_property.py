"""Property test of the access policy (DECISIONS 15): the API shows exactly what TLP allows.

Hypothesis draws organisation trees, networks, people with roles and shareable records with
random owner, author, TLP and recipients; each record is written as a row of every shareable
model (notices, incidents, reports, alerts, sites, assessments), every person then lists and
opens every row through the real ASGI app, and what they get must equal what
`tests.policy_oracle` (written apart from `core.policy`) says they may read. Records refer to
others (an incident to its site, a report or an alert to its incident, an assessment to its
site): each reference a reader is shown must be the target's id exactly when the oracle says
they may read the target, and null otherwise. Runs on SQLite and PostgreSQL through the
`client` fixture.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from tests.orgs.factories import token_headers
from tests.policy_oracle import OrgStructure, SharedRecord, may_read
from vigil.alerts.models import Alert
from vigil.assessments import versions
from vigil.assessments.models import Assessment
from vigil.incidents.models import Incident, Report
from vigil.monitoring.models import Signal, Story, Watch
from vigil.notices.models import Notice
from vigil.orgs.models import ApiToken, Membership, Network, Organisation, Person, network_members
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
    # The record (an index into Scenario.notices) that this one's row of a referring kind names.
    target: int | None = None


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
    for _ in range(draw(st.integers(1, MAX_RECORDS))):
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
    records = st.sampled_from(range(len(notices)))
    notices = [replace(n, target=draw(records | st.none())) for n in notices]
    return Scenario(parents=parents, networks=networks, people=people, notices=notices)


@dataclass(frozen=True)
class RecordKind:
    """One shareable model as the API shows it; every shareable model belongs in KINDS."""

    model: Any
    path: str
    list_path: str | None
    columns: Callable[[int, int], dict[str, Any]]  # (run, index) -> the model's own columns
    shows_recipients: bool
    # Rows a record needs to exist (e.g. an assessment's methodology): made once per run.
    parents: Callable[[Session], dict[str, Any]] | None = None
    # (column, model): the record of another kind this one names, shown under the column's name.
    # The target's row of that kind is the one at NoticeSpec.target, and its TLP decides (the
    # referring record's own TLP never does); without a target, a required column gets the
    # first record's row.
    refers_to: tuple[str, Any] | None = None
    required: bool = False


MAX_RECORDS = 7  # of each kind in a scenario
_signal_stories: list[int] = []  # the stories of this run's signals, one each


def signal_parents(session: Session) -> dict[str, Any]:
    """A signal is about a story of its organisation's articles (not itself shareable), one
    signal per story."""
    org_id = session.scalars(select(Organisation.id)).first()
    stories = [Story(org_id=org_id, title=f"Story {n}") for n in range(MAX_RECORDS)]
    session.add_all(stories)
    session.flush()
    _signal_stories[:] = [story.id for story in stories]
    return {}


def assessment_parents(session: Session) -> dict[str, Any]:
    return {"methodology_version_id": versions.ensure_shipped(session)[0].id}


KINDS = [  # a referring kind after the kind it refers to
    RecordKind(
        Notice,
        "/api/v1/notices",
        "/api/v1/notices",
        lambda run, i: {"title": f"Notice {i} of run {run}", "body": f"Body {i}"},
        True,
    ),
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
        refers_to=("site_id", Site),
    ),
    RecordKind(
        Report,
        "/api/v1/reports",
        None,
        lambda run, i: {"source": "member"},
        False,
        refers_to=("incident_id", Incident),
    ),
    RecordKind(
        Assessment,
        "/api/v1/assessments",
        None,
        lambda run, i: {"status": "in_progress"},
        False,
        parents=assessment_parents,
        refers_to=("site_id", Site),
        required=True,
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
        refers_to=("incident_id", Incident),
    ),
    RecordKind(
        Watch,
        "/api/v1/monitoring/watches",
        None,  # the list is the acting organisation's own
        lambda run, i: {"kind": "term", "value": f"term {i} of run {run}"},
        False,
    ),
    RecordKind(
        Signal,
        "/api/v1/monitoring/signals",
        None,  # the inbox lists the acting organisation's own
        lambda run, i: {"story_id": _signal_stories[i], "score": 0.6, "reasons": "[]"},
        False,
        parents=signal_parents,
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
    record_ids: dict[str, list[int]] = {}
    for kind in KINDS:
        record_ids[kind.model.__tablename__] = insert_records(
            session, kind, run, scenario, orgs, people, record_ids
        )
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
    record_ids: dict[str, list[int]],
) -> list[int]:
    parents = kind.parents(session) if kind.parents else {}
    rows = [
        kind.model(
            owner_org_id=orgs[spec.owner].id,
            author_id=None if spec.author is None else people[spec.author].id,
            tlp=spec.tlp,
            **kind.columns(run, i),
            **parents,
            **reference_columns(kind, spec, record_ids),
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


def reference_columns(
    kind: RecordKind, spec: NoticeSpec, record_ids: dict[str, list[int]]
) -> dict[str, Any]:
    if kind.refers_to is None:
        return {}
    column, model = kind.refers_to
    target = target_of(kind, spec)
    targets = record_ids[model.__tablename__]
    return {column: None if target is None else targets[target]}


def target_of(kind: RecordKind, spec: NoticeSpec) -> int | None:
    """The index of the record a referring row names (as `reference_columns` wrote it)."""
    return 0 if spec.target is None and kind.required else spec.target


def remove_everything(session: Session) -> None:
    """Each example starts from an empty database (no audit rows are written, none to keep)."""
    session.rollback()
    for kind in reversed(KINDS):
        session.execute(delete(kind.model.__recipients__))
        session.execute(delete(kind.model))
    session.execute(delete(Story))
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


def listed(client: TestClient, path: str, headers: dict[str, str]) -> dict[int, dict[str, Any]]:
    """Every item of a list, by id, through all its pages."""
    found: list[dict[str, Any]] = []
    offset = 0
    while True:
        response = client.get(path, params={"limit": PAGE_SIZE, "offset": offset}, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["items"]
        offset += PAGE_SIZE
        if offset >= page["total"]:
            assert len(found) == page["total"]
            return {item["id"]: item for item in found}


def expected_reference(
    kind: RecordKind, spec: NoticeSpec, ids: Inserted, readable: set[int]
) -> int | None:
    """The id a reader is shown for the record a row names: the target's, if they may read it."""
    assert kind.refers_to is not None
    target = target_of(kind, spec)
    if target is None or target not in readable:
        return None
    return ids.record_ids[kind.refers_to[1].__tablename__][target]


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
                items = listed(client, kind.list_path, headers) if kind.list_path else {}
                if kind.list_path:
                    assert set(items) == expected, where
                for record_id, record in zip(record_ids, scenario.notices, strict=True):
                    response = client.get(f"{kind.path}/{record_id}", headers=headers)
                    if record_id not in expected:
                        assert response.status_code == 404, f"{kind.path} {record}: {where}"
                        continue
                    assert response.status_code == 200, f"{kind.path} {record}: {where}"
                    if kind.refers_to is not None:
                        # A reference is shown exactly when the target may be read (DECISIONS 7).
                        column = kind.refers_to[0]
                        shown = expected_reference(kind, record, ids, readable)
                        what = f"{kind.path}/{record_id} {column}: {where}"
                        assert response.json()[column] == shown, what
                        if kind.list_path:
                            assert items[record_id][column] == shown, f"list {what}"
                    if kind.shows_recipients:
                        # Who else a record went to is for the owning organisation's eyes only.
                        shows_recipients = response.json()["recipients"] is not None
                        assert shows_recipients == (record.owner in spec.memberships), where
    finally:
        remove_everything(committed)
