"""Triage keeps sharing: an incident made from reports may be read by whoever may read the
reports (their named recipients, organisations and people, and their reporters), at every TLP
level; attaching a report to an existing incident widens or keeps its sharing only as the
coordinator says. Through the API and the triage page, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import db_rows, html, sign_in, submit
from tests.orgs.factories import make_network, make_org, make_person, token_headers
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import TLP, Role
from vigil.incidents.models import Report
from vigil.orgs.models import Organisation, Person

LEVELS = [t.value for t in TLP]


@dataclass
class World:
    org: Organisation
    recipient_org: Organisation
    named: Person  # a person of an unrelated organisation, named as a recipient
    people: dict[str, Person]
    headers: dict[str, dict[str, str]]  # who -> API headers

    def reads(self, client: TestClient, path: str) -> set[str]:
        """Who of the world may open `path`."""
        found = set()
        for who, headers in self.headers.items():
            status = client.get(path, headers=headers).status_code
            assert status in (200, 404), f"{who} GET {path}: {status}"
            if status == 200:
                found.add(who)
        return found


@pytest.fixture
def world(committed: Session, settings: Settings) -> World:
    """The owner's reporters, viewer and coordinator; a recipient organisation with a member and
    a child organisation (AMBER reaches it); a named person of an unrelated organisation; a
    member of the owner's network (GREEN reaches them); a stranger."""
    org, recipient_org, elsewhere = make_org(committed), make_org(committed), make_org(committed)
    child = make_org(committed, parent=recipient_org)
    neighbour, strangers = make_org(committed), make_org(committed)
    make_network(committed, org, neighbour)
    people = {
        "reporter": make_person(committed, settings, org=org, role=Role.reporter),
        "second_reporter": make_person(committed, settings, org=org, role=Role.reporter),
        "coordinator": make_person(committed, settings, org=org, role=Role.coordinator),
        "viewer": make_person(committed, settings, org=org, role=Role.viewer),
        "recipient_member": make_person(committed, settings, org=recipient_org),
        "child_member": make_person(committed, settings, org=child),
        "named": make_person(committed, settings, org=elsewhere),
        "network_member": make_person(committed, settings, org=neighbour),
        "stranger": make_person(committed, settings, org=strangers),
    }
    built = World(
        org=org,
        recipient_org=recipient_org,
        named=people["named"],
        people=people,
        headers={who: token_headers(committed, p) for who, p in people.items()},
    )
    committed.commit()
    return built


def report(client: TestClient, world: World, who: str, tlp: str, *, shared: bool) -> int:
    """A report by `who` at `tlp`; `shared`: named recipients, an organisation and a person."""
    body: dict[str, Any] = {
        "title": "Man filming the entrance for an hour",
        "narrative": "He left when the guard walked up to him.",
        "occurred_from": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).isoformat(),
        "type": "hostile_reconnaissance",
        "tlp": tlp,
    }
    if shared:
        body["recipients"] = {
            "organisation_ids": [world.recipient_org.id],
            "person_ids": [world.named.id],
        }
    made = client.post("/api/v1/reports", json=body, headers=world.headers[who])
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def triage(client: TestClient, world: World, report_id: int, **decision: Any) -> Any:
    return client.post(
        f"/api/v1/reports/{report_id}/triage", json=decision, headers=world.headers["coordinator"]
    )


def new_incident(client: TestClient, world: World, report_id: int) -> int:
    made = triage(client, world, report_id, action="new_incident")
    assert made.status_code == 200, made.text
    return int(made.json()["incident_id"])


def audited(settings: Settings, incident_id: int, action: str) -> dict[str, Any]:
    (entry,) = db_rows(
        settings,
        select(AuditEntry).where(
            AuditEntry.target_type == "incidents",
            AuditEntry.target_id == str(incident_id),
            AuditEntry.action == action,
        ),
    )
    detail: dict[str, Any] = json.loads(entry.detail)
    return detail


@pytest.mark.parametrize("tlp", LEVELS)
def test_an_incident_made_from_a_report_is_read_by_whoever_reads_the_report(
    client: TestClient, world: World, settings: Settings, tlp: str
) -> None:
    report_id = report(client, world, "reporter", tlp, shared=True)
    readers = world.reads(client, f"/api/v1/reports/{report_id}")

    incident_id = new_incident(client, world, report_id)

    assert world.reads(client, f"/api/v1/incidents/{incident_id}") == readers
    # Named people and the reporter read at every level, the report and what it became.
    assert {"reporter", "named", "coordinator"} <= readers
    mine = client.get(f"/api/v1/reports/{report_id}", headers=world.headers["reporter"])
    assert mine.json()["incident_id"] == incident_id
    incident = client.get(f"/api/v1/incidents/{incident_id}", headers=world.headers["reporter"])
    assert incident.json()["tlp"] == tlp
    assert audited(settings, incident_id, "incident.create") == {
        "from_report": report_id,
        "shared_with": {
            "organisation_ids": [world.recipient_org.id],
            "person_ids": sorted([world.people["reporter"].id, world.named.id]),
        },
    }


@pytest.mark.parametrize("tlp", LEVELS)
def test_attaching_a_shared_report_asks_and_then_adds_its_recipients(
    client: TestClient, world: World, settings: Settings, tlp: str
) -> None:
    first = report(client, world, "reporter", tlp, shared=False)
    incident_id = new_incident(client, world, first)
    before = world.reads(client, f"/api/v1/incidents/{incident_id}")
    second = report(client, world, "second_reporter", tlp, shared=True)
    readers = world.reads(client, f"/api/v1/reports/{first}") | world.reads(
        client, f"/api/v1/reports/{second}"
    )

    asked = triage(client, world, second, action="attach", incident_id=incident_id)

    assert asked.status_code == 409, asked.text
    detail = asked.json()["detail"]
    assert world.recipient_org.name in detail and world.named.name in detail
    assert [r.status for r in db_rows(settings, select(Report).where(Report.id == second))] == [
        "new"
    ]
    assert world.reads(client, f"/api/v1/incidents/{incident_id}") == before

    added = triage(
        client, world, second, action="attach", incident_id=incident_id, report_recipients="add"
    )

    assert added.status_code == 200, added.text
    assert world.reads(client, f"/api/v1/incidents/{incident_id}") == readers
    assert {"reporter", "second_reporter", "named"} <= readers
    assert audited(settings, incident_id, "incident.attach") == {
        "report": second,
        "report_recipients": "add",
        "shared_with": {
            "organisation_ids": [world.recipient_org.id],
            "person_ids": sorted([world.people["second_reporter"].id, world.named.id]),
        },
    }


@pytest.mark.parametrize("tlp", LEVELS)
def test_attaching_a_report_keeping_the_incidents_recipients_still_lets_its_reporter_read(
    client: TestClient, world: World, settings: Settings, tlp: str
) -> None:
    first = report(client, world, "reporter", tlp, shared=False)
    incident_id = new_incident(client, world, first)
    before = world.reads(client, f"/api/v1/incidents/{incident_id}")
    second = report(client, world, "second_reporter", tlp, shared=True)

    kept = triage(
        client, world, second, action="attach", incident_id=incident_id, report_recipients="keep"
    )

    assert kept.status_code == 200, kept.text
    assert world.reads(client, f"/api/v1/incidents/{incident_id}") == before | {"second_reporter"}
    # The report's recipients still read the report, but only its incident id if they may.
    seen = client.get(f"/api/v1/reports/{second}", headers=world.headers["named"]).json()
    assert seen["incident_id"] == (incident_id if "named" in before else None)
    assert audited(settings, incident_id, "incident.attach")["report_recipients"] == "keep"


def test_attaching_an_unshared_report_needs_no_choice(
    client: TestClient, world: World, settings: Settings
) -> None:
    first = report(client, world, "reporter", TLP.red.value, shared=False)
    incident_id = new_incident(client, world, first)
    second = report(client, world, "second_reporter", TLP.red.value, shared=False)

    attached = triage(client, world, second, action="attach", incident_id=incident_id)

    assert attached.status_code == 200, attached.text
    assert world.reads(client, f"/api/v1/incidents/{incident_id}") == {
        "reporter",
        "second_reporter",
        "coordinator",
    }


def test_a_choice_about_recipients_is_refused_outside_attach(
    client: TestClient, world: World
) -> None:
    report_id = report(client, world, "reporter", TLP.amber.value, shared=True)

    refused = triage(client, world, report_id, action="new_incident", report_recipients="add")

    assert refused.status_code == 422
    assert "report_recipients applies to attach only" in refused.text


def test_triage_page_asks_what_attaching_a_shared_report_does_with_its_recipients(
    client: TestClient, world: World, settings: Settings
) -> None:
    first = report(client, world, "reporter", TLP.red.value, shared=False)
    incident_id = new_incident(client, world, first)
    unshared = report(client, world, "reporter", TLP.red.value, shared=False)
    shared = report(client, world, "second_reporter", TLP.red.value, shared=True)
    sign_in(client, world.people["coordinator"].email)

    queue = html(client.get("/incidents/triage"))
    assert queue.find("article", id=f"report-{unshared}").find_all("fieldset") == []
    choice = queue.find("article", id=f"report-{shared}").find("fieldset")
    assert [i.attrs["value"] for i in choice.find_all("input", type="radio")] == ["add", "keep"]

    asked = submit(
        client,
        "/incidents/triage",
        f"/incidents/triage/{shared}",
        {"action": "attach", "incident_id": str(incident_id)},
        headers={"HX-Request": "true"},
    )
    assert asked.status_code == 409
    card = html(asked).find("article", id=f"report-{shared}")
    assert world.named.name in card.find("p", role="alert").text
    assert card.find("fieldset")  # asked again, with the choice

    added = submit(
        client,
        "/incidents/triage",
        f"/incidents/triage/{shared}",
        {"action": "attach", "incident_id": str(incident_id), "report_recipients": "add"},
        headers={"HX-Request": "true"},
    )
    assert added.status_code == 200
    assert "named" in world.reads(client, f"/api/v1/incidents/{incident_id}")
