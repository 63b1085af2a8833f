"""A platform administrator erases a person, on the people page and through the API, on SQLite
and PostgreSQL: name, e-mail, password, tokens, sessions and memberships go, the incidents they
wrote stay and show a former member, and the guards hold (confirmation, oneself, non-admins)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import alerts, db_rows, flash_after, html, sign_in, submit
from tests.incidents.test_api import report_body
from tests.orgs.factories import PASSWORD, make_org, make_person, token_headers
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.models import ApiToken, Membership, Person, WebSession


@dataclass
class World:
    admin: Person
    leaver: Person
    coordinator: Person
    headers: dict[str, dict[str, str]]
    incident_id: int


@pytest.fixture
def world(client: TestClient, committed: Session, settings: Settings) -> World:
    org = make_org(committed)
    admin = make_person(committed, settings, platform_admin=True)
    leaver = make_person(committed, settings, org=org, role=Role.analyst)
    leaver.name = "Miriam Leaver"
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    headers = {
        "admin": token_headers(committed, admin),
        "leaver": token_headers(committed, leaver),
        "coordinator": token_headers(committed, coordinator),
    }
    committed.commit()
    report = client.post("/api/v1/reports", json=report_body(), headers=headers["leaver"])
    assert report.status_code == 201, report.text
    decided = client.post(
        f"/api/v1/reports/{report.json()['id']}/triage",
        json={"action": "new_incident"},
        headers=headers["coordinator"],
    )
    incident_id = decided.json()["incident_id"]
    # The leaver edits the incident: its history names them.
    edited = client.patch(
        f"/api/v1/incidents/{incident_id}", json={"injuries": 1}, headers=headers["leaver"]
    )
    assert edited.status_code == 200, edited.text
    return World(admin, leaver, coordinator, headers, incident_id)


def test_admin_erases_a_person_on_the_people_page(
    client: TestClient, world: World, settings: Settings
) -> None:
    client.cookies.clear()
    sign_in(client, world.coordinator.email)
    assert client.get("/admin/people").status_code == 403
    client.cookies.clear()
    sign_in(client, world.admin.email)
    newest = html(client.get("/admin/people")).find("table", id="people-found")
    assert world.leaver.email in newest.text and world.admin.email in newest.text
    found = html(client.get("/admin/people", params={"q": "LEAVER"}))
    link = found.find("table", id="people-found").find("a")
    erase_path = link.attrs["href"]
    assert erase_path == f"/admin/people/{world.leaver.id}/erase"

    wrong = submit(client, erase_path, erase_path, {"confirm_email": "someone@example.org"})
    assert wrong.status_code == 422
    assert alerts(html(wrong)), wrong.text
    assert db_rows(settings, select(Person.erased_at).where(Person.id == world.leaver.id)) == [None]

    done = submit(client, erase_path, erase_path, {"confirm_email": world.leaver.email.upper()})

    assert "The person is erased." in flash_after(client, done).text
    (person,) = db_rows(settings, select(Person).where(Person.id == world.leaver.id))
    assert person.erased_at is not None and not person.is_active
    assert person.name == "Former member" and person.email.endswith("@erased.invalid")
    assert (person.password_hash, person.totp_secret_encrypted) == ("", None)
    for table in (Membership, WebSession, ApiToken):
        assert not db_rows(settings, select(table.id).where(table.person_id == person.id))
    (entry,) = db_rows(
        settings, select(audit.AuditEntry).where(audit.AuditEntry.action == "person.erase")
    )
    assert entry.actor_id == world.admin.id and world.leaver.email not in entry.detail

    # The old token and password open nothing.
    gone = client.get("/api/v1/me", headers=world.headers["leaver"])
    assert gone.status_code == 401
    client.cookies.clear()
    refused = submit(
        client, "/login", "/login", {"email": world.leaver.email, "password": PASSWORD}
    )
    assert refused.status_code != 303

    # The incident stays; its history shows a former member, not the name.
    sign_in(client, world.coordinator.email)
    page = html(client.get(f"/incidents/{world.incident_id}"))
    assert "Miriam Leaver" not in page.text and "Former member" in page.text
    history = client.get(
        f"/api/v1/incidents/{world.incident_id}/history", headers=world.headers["coordinator"]
    )
    actors = {row["actor"] for row in history.json()}
    assert "Former member" in actors and "Miriam Leaver" not in actors


def test_erasing_through_the_api_and_its_guards(
    client: TestClient, world: World, settings: Settings
) -> None:
    path = f"/api/v1/people/{world.leaver.id}/erase"
    body = {"confirm_email": world.leaver.email}

    not_admin = client.post(path, json=body, headers=world.headers["coordinator"])
    mismatch = client.post(
        path, json={"confirm_email": "x@example.org"}, headers=world.headers["admin"]
    )
    oneself = client.post(
        f"/api/v1/people/{world.admin.id}/erase",
        json={"confirm_email": world.admin.email},
        headers=world.headers["admin"],
    )
    nobody = client.post("/api/v1/people/99999/erase", json=body, headers=world.headers["admin"])

    assert (not_admin.status_code, mismatch.status_code) == (403, 422)
    assert (oneself.status_code, nobody.status_code) == (403, 404)
    assert db_rows(settings, select(Person.erased_at).where(Person.erased_at.is_not(None))) == []

    erased = client.post(path, json=body, headers=world.headers["admin"])
    twice = client.post(
        path, json={"confirm_email": "x@example.org"}, headers=world.headers["admin"]
    )

    assert erased.status_code == 200, erased.text
    assert erased.json()["name"] == "Former member"
    assert twice.status_code == 409
    members = client.get(
        "/api/v1/incidents/" + str(world.incident_id), headers=world.headers["coordinator"]
    )
    assert members.status_code == 200 and "Miriam" not in members.text
