"""Leak test (DECISIONS 15): no GET route of the app shows another organisation's secret records.

The test walks the app's route table at run time, so a route added later (a page, an export, a
feed) is covered the day it is mounted. Each GET route is requested as an org_admin of
organisation A — with an API token and with a signed-in browser session — with its path filled
with the ids of organisation B's non-public records (and B's id, slug or a member of B where
the path takes an organisation or a person). No answer may contain those records' texts, and a
route that takes a record id must answer 404, as for a record that does not exist. The walk
also opens A's own records that name B's secrets (`tests.core.leak_references`): no answer may
carry a secret record's id either.

A new shareable model adds its path parameter name to `SECRET_RECORD_PARAMS` and a function
that writes one of its records to `WRITERS`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.orm import Session
from starlette.convertors import IntegerConvertor

from tests.core.leak_references import add_referrers, named_ids
from tests.orgs.factories import make_network, make_org, make_person, token_headers
from vigil.alerts.models import Alert
from vigil.assessments import versions
from vigil.assessments.models import Assessment, AssessmentAnswer
from vigil.core.config import Settings
from vigil.core.deps import SESSION_COOKIE
from vigil.core.policy import TLP, Role
from vigil.incidents.models import Incident, Report, ReportVersion
from vigil.monitoring.models import Signal, Source, Story
from vigil.notices.models import Notice
from vigil.orgs.models import Organisation, Person
from vigil.orgs.principals import load_principal, start_web_session
from vigil.reports.models import AnnualReport, AnnualReportVersion
from vigil.sites.models import Site, SiteContact, SiteEvent

# Path parameters that name a shareable record: a route taking one must answer 404 for a record
# the caller may not read.
SECRET_RECORD_PARAMS = frozenset(
    {
        "notice_id",
        "incident_id",
        "report_id",
        "alert_id",
        "site_id",
        "assessment_id",
        "signal_id",
        "source_id",
        "annual_report_id",
    }
)
NOT_RECORD_ROUTES = frozenset({"/healthz", "/readyz"})
PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass(frozen=True)
class Secret:
    param: str  # the path parameter that names a record of this kind
    id: int
    tlp: str
    texts: tuple[str, str]  # title, body


@dataclass
class World:
    """Organisation A (the prober's), B (the owner of the secrets) and B's neighbourhood."""

    b: Organisation
    b_member: Person
    secrets: list[Secret]
    clear_title: str
    token: dict[str, str]
    prober: Person
    # A's records that name B's secrets, by path parameter.
    referrers: dict[str, list[int]] = field(default_factory=dict)
    visited: set[tuple[str, str]] = field(default_factory=set)

    def secret_ids(self, param: str) -> set[int]:
        return {s.id for s in self.secrets if s.param == param}


def add_record(
    session: Session,
    model: Any,
    owner: Organisation,
    author: Person,
    tlp: TLP,
    columns: Callable[[str, str], dict[str, Any]],
    *,
    recipient_orgs: list[Organisation] = (),  # type: ignore[assignment]
    recipient_people: list[Person] = (),  # type: ignore[assignment]
) -> tuple[Any, tuple[str, str]]:
    marker = uuid.uuid4().hex
    texts = (f"SECRET-TITLE-{tlp.value}-{marker}", f"SECRET-BODY-{tlp.value}-{marker}")
    record = model(owner_org_id=owner.id, author_id=author.id, tlp=tlp.value, **columns(*texts))
    session.add(record)
    session.flush()
    rows = [{"record_id": record.id, "org_id": o.id, "person_id": None} for o in recipient_orgs]
    rows += [{"record_id": record.id, "org_id": None, "person_id": p.id} for p in recipient_people]
    if rows:
        session.execute(insert(model.__recipients__), rows)
    return record, texts


def report_columns(title: str, body: str) -> dict[str, Any]:
    return {"source": "member"}  # the words go into a version, see add_secret


def incident_columns(title: str, body: str) -> dict[str, Any]:
    return {
        "title": title,
        "narrative": body,
        "type": "threat",
        "source": "member",
        "status": "triaged",
        "occurred_from": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    }


def alert_columns(title: str, body: str) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {
        "identifier": f"vigil-{uuid.uuid4()}",
        "sender": "b@vigil.example",
        "state": "sent",
        "event": title,
        "headline": title,
        "description": body,
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Observed",
        "effective": now,
        "sent_at": now,
        "area_desc": "Vienna",
        "circle_lat": 48.2,
        "circle_lon": 16.37,
        "circle_radius_km": 2.0,
    }


def site_columns(title: str, body: str) -> dict[str, Any]:
    return {"name": title, "type": "school", "lat": 52.52, "lon": 13.40, "opening_pattern": body}


# path parameter -> (model, its own columns from (title, body))
WRITERS: dict[str, tuple[Any, Callable[[str, str], dict[str, Any]]]] = {
    "notice_id": (Notice, lambda title, body: {"title": title, "body": body}),
    "incident_id": (Incident, incident_columns),
    "report_id": (Report, report_columns),
    "alert_id": (Alert, alert_columns),
    "site_id": (Site, site_columns),
    # An assessment's words are its answers' notes; its columns name a site (see add_secret).
    "assessment_id": (Assessment, lambda title, body: {}),
    # A signal's words are its story's title and its reasons (see add_secret).
    "signal_id": (Signal, lambda title, body: {}),
    "source_id": (Source, lambda title, body: {"name": title, "url": f"https://{body}.example/"}),
    # A draft annual report: the organisation's only, whatever it says (see add_annual_draft).
    "annual_report_id": (AnnualReport, lambda title, body: {}),
}


def assessed_site_columns(session: Session, owner: Organisation, author: Person) -> Any:
    """Columns of an assessment of a CLEAR site of `owner`: the site is readable by anyone,
    its assessment only as its own TLP says (the site page lists assessments)."""
    site, _ = add_record(session, Site, owner, author, TLP.clear, site_columns)
    version = versions.ensure_shipped(session)[0]
    return lambda title, body: {"site_id": site.id, "methodology_version_id": version.id}


def signal_columns(story_id: int) -> Callable[[str, str], dict[str, Any]]:
    return lambda title, body: {"story_id": story_id, "reasons": json.dumps([{"label": body}])}


def add_annual_draft(session: Session, owner: Organisation, author: Person, tlp: TLP) -> Secret:
    """A draft report has no marking: it is its organisation's until published. Its slug is the
    organisation's, so the walk also asks for it at /published/{org_slug}/{slug}."""
    marker = uuid.uuid4().hex
    texts = (f"SECRET-TITLE-{tlp.value}-{marker}", f"SECRET-BODY-{tlp.value}-{marker}")
    draft = AnnualReport(
        owner_org_id=owner.id,
        slug=owner.slug if tlp is TLP.green else f"{owner.slug}-{tlp.value}",
        title=texts[0],
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2026, 1, 1),
        version=1,
        created_by=author.id,
    )
    session.add(draft)
    session.flush()
    sections = json.dumps({"foreword": texts[1]})
    session.add(AnnualReportVersion(report_id=draft.id, version=1, sections=sections))
    return Secret("annual_report_id", draft.id, tlp.value, texts)


def add_secret(
    session: Session, param: str, owner: Organisation, author: Person, tlp: TLP, **recipients: Any
) -> Secret:
    model, columns = WRITERS[param]
    if model is AnnualReport:
        return add_annual_draft(session, owner, author, tlp)
    if model is Assessment:
        columns = assessed_site_columns(session, owner, author)
    if model is Signal:
        story = Story(org_id=owner.id)
        session.add(story)
        session.flush()
        columns = signal_columns(story.id)
    record, texts = add_record(session, model, owner, author, tlp, columns, **recipients)
    if model is Report:  # a report's words live in its versions
        data = json.dumps({"title": texts[0], "narrative": texts[1]})
        session.add(ReportVersion(report_id=record.id, version=1, data=data, author_id=author.id))
    if model is Site:  # a site's contacts and events are its secrets too
        session.add(SiteContact(site_id=record.id, priority=1, name=f"{texts[1]}-contact"))
        moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        session.add(
            SiteEvent(
                site_id=record.id,
                name=f"{texts[0]}-event",
                starts_at=moment,
                ends_at=moment + dt.timedelta(hours=2),
            )
        )
    if model is Signal:
        session.get_one(Story, record.story_id).title = texts[0]
    if model is Assessment:
        note = f"{texts[0]} {texts[1]}"
        session.add(AssessmentAnswer(assessment_id=record.id, question_id="gov.01", value="no",
                                     note=note))  # fmt: skip
    return Secret(param, record.id, tlp.value, texts)


def build_world(session: Session, settings: Settings) -> World:
    """A is B's child and shares a network with C; B shares another network with C.

    So A is close to B in every way that must not matter: a parent is not a recipient, and a
    network of a network is not the owner's network.
    """
    b, c = make_org(session), make_org(session)
    a = make_org(session, parent=b)
    make_network(session, b, c)
    make_network(session, a, c)
    b_member = make_person(session, settings, org=b, role=Role.analyst)
    prober = make_person(session, settings, org=a, role=Role.org_admin)
    secrets = [
        secret
        for param in WRITERS
        for secret in (
            add_secret(session, param, b, b_member, TLP.green),
            add_secret(session, param, b, b_member, TLP.amber, recipient_orgs=[c]),
            add_secret(session, param, b, b_member, TLP.amber_strict, recipient_orgs=[c]),
            add_secret(
                session,
                param,
                b,
                b_member,
                TLP.red,
                recipient_orgs=[a, c],
                recipient_people=[b_member],
            ),
        )
    ]
    clear = add_secret(session, "notice_id", b, b_member, TLP.clear)
    token = token_headers(session, prober)
    principal = load_principal(session, person_id=prober.id)
    assert principal is not None
    by_param = {p: [s.id for s in secrets if s.param == p] for p in WRITERS}
    referrers = add_referrers(session, a, prober, principal, by_param)
    session.commit()
    return World(
        b=b,
        b_member=b_member,
        secrets=secrets,
        clear_title=clear.texts[0],
        token=token,
        prober=prober,
        referrers=referrers,
    )


def sign_in_browser(
    client: TestClient, session: Session, settings: Settings, person: Person
) -> None:
    """A fresh signed-in session per request, so that no route can end the others' session."""
    token = start_web_session(session, person=person, settings=settings, awaiting_totp=False)
    session.commit()
    client.cookies.set(SESSION_COOKIE, token)


def get_routes(app: FastAPI) -> list[tuple[str, dict[str, bool]]]:
    """(path, {parameter: is an integer}) of every GET route but the schema, docs and probes."""
    skipped = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    routes = []
    for route in iter_route_contexts(app.routes):
        path = route.path
        if "GET" not in (route.methods or set()) or path in skipped | NOT_RECORD_ROUTES:
            continue
        convertors: dict[str, Any] = getattr(route, "param_convertors", {}) or {}
        dependant = getattr(route.original_route, "dependant", None)
        annotations = {
            p.name: p.field_info.annotation for p in (dependant.path_params if dependant else [])
        }
        params = {
            name: annotations.get(name) is int or isinstance(convertors.get(name), IntegerConvertor)
            for name in PARAM.findall(path)
        }
        routes.append((path, params))
    return routes


def candidates(world: World, name: str, is_int: bool) -> list[str]:
    """What to put in a path parameter: B's secrets, or what points at B."""
    own = [str(i) for i in world.referrers.get(name, [])]  # A's records that name secrets
    if name in SECRET_RECORD_PARAMS:
        return [str(s.id) for s in world.secrets if s.param == name] + own
    if "org" in name or name == "slug":
        return [str(world.b.id)] if is_int else [world.b.slug, str(world.b.id)]
    if "person" in name:
        return [str(world.b_member.id)]
    # Any other id: a route that forgets the scope and looks a raw id up should be caught too.
    return [str(s.id) for s in world.secrets] + own if is_int else [world.b.slug]


def fill(path: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values[m.group(1)], path)


def assert_no_secret(world: World, url: str, how: str, response: Any) -> None:
    for secret in world.secrets:
        for text in secret.texts:
            assert text not in response.text, (
                f"{how} GET {url} shows B's {secret.tlp} record ({secret.param})"
            )


def assert_no_secret_reference(world: World, url: str, how: str, response: Any) -> None:
    """No answer names a record of B's that the prober may not read, not even by its id."""
    for kind, record_id, where in named_ids(response):
        assert record_id not in world.secret_ids(kind), (
            f"{how} GET {url} names B's secret {kind} {record_id} ({where})"
        )


def names_a_secret(world: World, values: dict[str, str]) -> bool:
    return any(
        name in SECRET_RECORD_PARAMS and int(value) in world.secret_ids(name)
        for name, value in values.items()
    )


def test_no_get_route_shows_another_organisations_secret_records(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    world = build_world(committed, settings)
    app: FastAPI = client.app  # type: ignore[assignment]
    responses: dict[tuple[str, str], Any] = {}

    for path, params in get_routes(app):
        names = list(params)
        for combo in itertools.product(*(candidates(world, n, params[n]) for n in names)):
            values = dict(zip(names, combo, strict=True))
            url = fill(path, values)
            for how in ("token", "browser"):
                client.cookies.clear()
                if how == "token":
                    response = client.get(url, headers=world.token)
                else:
                    sign_in_browser(client, committed, settings, world.prober)
                    response = client.get(url)
                world.visited.add((how, path))
                responses[(how, url)] = response
                assert response.status_code < 500, f"{how} GET {url}: {response.status_code}"
                assert_no_secret(world, url, how, response)
                assert_no_secret_reference(world, url, how, response)
                if names_a_secret(world, values):
                    assert response.status_code == 404, f"{how} GET {url}: {response.status_code}"

    # Not vacuous: the notice list and detail were walked, and the list does show notice text
    # (B's CLEAR notice), so a leaked secret would have been seen.
    for how in ("token", "browser"):
        assert (how, "/api/v1/notices") in world.visited
        assert (how, "/api/v1/notices/{notice_id}") in world.visited
        assert (how, "/api/v1/incidents/{incident_id}") in world.visited
        assert (how, "/api/v1/reports/{report_id}") in world.visited
    assert world.clear_title in responses[("token", "/api/v1/notices")].text
    if ("browser", "/notices") in responses:
        assert world.clear_title in responses[("browser", "/notices")].text
    # Nor for references: A's records naming secrets were opened, and the scan does find the
    # references that are there to find (A's own incident, linked from A's list).
    at_site = world.referrers["incident_id"][0]
    opened = responses[("token", f"/api/v1/incidents/{at_site}")]
    assert opened.status_code == 200 and "site_id" in opened.json()
    found = {(kind, i) for r in responses.values() for kind, i, _ in named_ids(r)}
    assert ("incident_id", at_site) in found
    client.cookies.clear()
    sign_in_browser(client, committed, settings, world.prober)
    assert client.get("/api/v1/me").status_code == 200, (
        "the browser session must be signed in for the walk to count"
    )
