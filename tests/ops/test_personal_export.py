"""A member downloads their own data, from the account page and through the API, on SQLite and
PostgreSQL: their profile, memberships, the records they wrote and their audit entries, and
nothing of anyone else's."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import csrf_of, db_rows, html, sign_in
from tests.incidents.test_api import report_body
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.policy import Role


def test_a_member_exports_their_own_data_and_nobody_elses(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    me = make_person(committed, settings, org=org, role=Role.coordinator)
    other = make_person(committed, settings, org=org, role=Role.coordinator)
    mine, theirs = token_headers(committed, me), token_headers(committed, other)
    committed.commit()
    ids = {}
    for who, headers, title in ((me, mine, "My report"), (other, theirs, "Their report")):
        sent = client.post("/api/v1/reports", json=report_body(title=title), headers=headers)
        made = client.post(
            f"/api/v1/reports/{sent.json()['id']}/triage",
            json={"action": "new_incident"},
            headers=headers,
        )
        ids[who.id] = (sent.json()["id"], made.json()["incident_id"])

    exported = client.post("/api/v1/me/export", headers=mine)

    assert exported.status_code == 200, exported.text
    assert exported.headers["content-disposition"].startswith("attachment;")
    data = exported.json()
    assert data["profile"]["email"] == me.email and data["profile"]["name"] == me.name
    assert data["memberships"] == [
        {"org_id": org.id, "org_slug": org.slug, "org_name": org.name, "role": "coordinator"}
    ]
    report_id, incident_id = ids[me.id]
    assert data["records_authored"]["incidents"] == [
        {"id": incident_id, "org_id": org.id, "title": "My report"}
    ]
    assert [r["id"] for r in data["records_authored"]["reports"]] == [report_id]
    actions = [(e["action"], e["target"]) for e in data["audit_entries"]]
    assert ("report.submit", ["reports", str(report_id)]) in actions, actions
    assert ("report.new_incident", ["reports", str(report_id)]) in actions, actions
    assert all(set(e) == {"at", "action", "org_id", "target"} for e in data["audit_entries"])
    text = exported.text
    assert other.email not in text and other.name not in text and "Their report" not in text
    (logged,) = db_rows(
        settings, select(audit.AuditEntry).where(audit.AuditEntry.action == "person.export")
    )
    assert logged.actor_id == me.id

    sign_in(client, me.email)
    account = html(client.get("/account"))
    form = account.find("form", action="/account/export")
    downloaded = client.post("/account/export", data={"csrf_token": csrf_of(account)})
    assert form is not None and downloaded.status_code == 200
    assert json.loads(downloaded.text)["records_authored"]["incidents"][0]["id"] == incident_id
    # A browser's cookie alone (no CSRF token) downloads nothing, and nobody signed in neither.
    assert client.post("/account/export").status_code == 403
    client.cookies.clear()
    assert client.post("/api/v1/me/export").status_code == 401
