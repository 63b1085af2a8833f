"""Notices through the JSON API: create, list, open, edit, and the audited lowering of TLP."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import SYSTEM, Role
from vigil.orgs import service as orgs_service
from vigil.orgs.models import Organisation


def member_headers(
    committed: Session, settings: Settings, org: Organisation, role: Role
) -> dict[str, str]:
    headers = token_headers(committed, make_person(committed, settings, org=org, role=role))
    committed.commit()
    return headers


def tlp_changes(committed: Session, notice_id: int) -> list[dict[str, str]]:
    """The audited TLP changes of a notice, read in a transaction of its own (a fresh snapshot)."""
    committed.rollback()
    details = committed.scalars(
        select(AuditEntry.detail)
        .where(AuditEntry.action == "tlp.change", AuditEntry.target_id == str(notice_id))
        .order_by(AuditEntry.id)
    ).all()
    committed.rollback()
    return [json.loads(d) for d in details]


def test_analyst_creates_notice_owned_by_their_organisation_at_amber_strict(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org, partner = make_org(committed), make_org(committed)
    analyst = make_person(committed, settings, org=org, role=Role.analyst)
    headers = token_headers(committed, analyst)
    committed.commit()

    response = client.post(
        "/api/v1/notices",
        headers=headers,
        json={
            "title": "  Raised threat over the holidays ",
            "body": "Extra patrols.",
            "recipients": {"organisation_ids": [partner.id]},
        },
    )

    assert response.status_code == 201, response.text
    notice = response.json()
    assert notice["title"] == "Raised threat over the holidays"
    assert notice["tlp"] == "amber+strict"
    assert notice["owner_org_id"] == org.id
    assert notice["owner_org_name"] == org.name
    assert notice["author_id"] == analyst.id
    assert notice["recipients"] == {"organisation_ids": [partner.id], "person_ids": []}


def test_viewer_and_reporter_cannot_create_notices(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    for role in (Role.viewer, Role.reporter):
        headers = member_headers(committed, settings, org, role)
        response = client.post("/api/v1/notices", headers=headers, json={"title": "Patrols"})
        assert response.status_code == 403, role


def test_list_shows_readable_notices_newest_first_and_pages(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    headers = member_headers(committed, settings, org, Role.analyst)
    created = [
        client.post("/api/v1/notices", headers=headers, json={"title": f"Notice {i}"}).json()["id"]
        for i in range(3)
    ]

    first = client.get("/api/v1/notices", headers=headers, params={"limit": 2}).json()
    second = client.get("/api/v1/notices", headers=headers, params={"limit": 2, "offset": 2}).json()

    assert first["total"] == second["total"] == 3
    assert [n["id"] for n in first["items"] + second["items"]] == created[::-1]


def test_detail_of_notice_not_shared_with_you_is_404_like_a_missing_one(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    owner, stranger = make_org(committed), make_org(committed)
    author = member_headers(committed, settings, owner, Role.analyst)
    outsider = member_headers(committed, settings, stranger, Role.org_admin)
    notice_id = client.post("/api/v1/notices", headers=author, json={"title": "Ours"}).json()["id"]

    hidden = client.get(f"/api/v1/notices/{notice_id}", headers=outsider)
    missing = client.get(f"/api/v1/notices/{notice_id + 1000}", headers=outsider)

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == missing.json()["detail"]
    listed = client.get("/api/v1/notices", headers=outsider).json()
    assert listed["total"] == 0 and listed["items"] == []


def test_recipient_organisation_reads_notice_without_seeing_its_recipients(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    owner, partner = make_org(committed), make_org(committed)
    author = member_headers(committed, settings, owner, Role.analyst)
    reader = member_headers(committed, settings, partner, Role.viewer)
    notice_id = client.post(
        "/api/v1/notices",
        headers=author,
        json={"title": "For partners", "recipients": {"organisation_ids": [partner.id]}},
    ).json()["id"]

    response = client.get(f"/api/v1/notices/{notice_id}", headers=reader)

    assert response.status_code == 200
    assert response.json()["title"] == "For partners"
    assert response.json()["recipients"] is None


def test_analyst_edits_title_and_body(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    headers = member_headers(committed, settings, org, Role.analyst)
    notice = client.post("/api/v1/notices", headers=headers, json={"title": "Draft"}).json()

    response = client.patch(
        f"/api/v1/notices/{notice['id']}",
        headers=headers,
        json={"title": "Final", "body": "Now with details."},
    )

    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Final"
    assert response.json()["body"] == "Now with details."
    assert response.json()["updated_at"] > notice["updated_at"]
    reread = client.get(f"/api/v1/notices/{notice['id']}", headers=headers).json()
    assert reread["title"] == "Final"


def test_null_title_or_body_is_422_naming_the_field_and_changes_nothing(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    # Regression (found by schemathesis): a null was written and broke NOT NULL with a 500.
    org = make_org(committed)
    headers = member_headers(committed, settings, org, Role.analyst)
    notice_id = client.post(
        "/api/v1/notices", headers=headers, json={"title": "Kept", "body": "Kept too"}
    ).json()["id"]

    for field in ("title", "body"):
        response = client.patch(f"/api/v1/notices/{notice_id}", headers=headers, json={field: None})
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]

    notice = client.get(f"/api/v1/notices/{notice_id}", headers=headers).json()
    assert (notice["title"], notice["body"]) == ("Kept", "Kept too")


def test_viewer_cannot_edit_a_notice_they_can_read(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    analyst = member_headers(committed, settings, org, Role.analyst)
    viewer = member_headers(committed, settings, org, Role.viewer)
    notice_id = client.post("/api/v1/notices", headers=analyst, json={"title": "A"}).json()["id"]

    response = client.patch(f"/api/v1/notices/{notice_id}", headers=viewer, json={"title": "B"})

    assert response.status_code == 403
    assert client.get(f"/api/v1/notices/{notice_id}", headers=viewer).json()["title"] == "A"


def test_lowering_tlp_needs_a_coordinator_and_is_audited(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    analyst = member_headers(committed, settings, org, Role.analyst)
    coordinator = member_headers(committed, settings, org, Role.coordinator)
    notice_id = client.post(
        "/api/v1/notices", headers=analyst, json={"title": "Sensitive", "tlp": "red"}
    ).json()["id"]

    refused = client.patch(f"/api/v1/notices/{notice_id}", headers=analyst, json={"tlp": "green"})

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert tlp_changes(committed, notice_id) == []
    assert client.get(f"/api/v1/notices/{notice_id}", headers=analyst).json()["tlp"] == "red"

    lowered = client.patch(
        f"/api/v1/notices/{notice_id}", headers=coordinator, json={"tlp": "green"}
    )

    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["tlp"] == "green"
    assert tlp_changes(committed, notice_id) == [{"from": "red", "to": "green"}]


def test_raising_tlp_is_allowed_to_an_analyst_and_audited_too(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    analyst = member_headers(committed, settings, org, Role.analyst)
    notice_id = client.post(
        "/api/v1/notices", headers=analyst, json={"title": "Getting worse", "tlp": "green"}
    ).json()["id"]

    response = client.patch(f"/api/v1/notices/{notice_id}", headers=analyst, json={"tlp": "amber"})

    assert response.status_code == 200
    assert tlp_changes(committed, notice_id) == [{"from": "green", "to": "amber"}]


def test_unknown_recipient_organisation_is_422_naming_the_field(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    headers = member_headers(committed, settings, org, Role.analyst)

    response = client.post(
        "/api/v1/notices",
        headers=headers,
        json={"title": "Patrols", "recipients": {"organisation_ids": [org.id, 987654]}},
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["recipients.organisation_ids"]
    assert "987654" in errors[0]["message"]
    assert client.get("/api/v1/notices", headers=headers).json()["total"] == 0


def test_person_in_two_organisations_must_choose_one_to_create_a_notice(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    first, second = make_org(committed), make_org(committed)
    person = make_person(committed, settings, org=first, role=Role.analyst)
    orgs_service.add_member(
        session=committed, principal=SYSTEM, org_id=second.id, person=person, role=Role.analyst
    )
    headers = token_headers(committed, person)
    committed.commit()

    undecided = client.post("/api/v1/notices", headers=headers, json={"title": "Whose?"})

    assert undecided.status_code == 422
    assert undecided.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in undecided.json()["errors"]] == ["X-Vigil-Org"]
    assert "which" in undecided.json()["detail"]

    chosen = client.post(
        "/api/v1/notices",
        headers={**headers, "X-Vigil-Org": str(second.id)},
        json={"title": "Ours"},
    )

    assert chosen.status_code == 201
    assert chosen.json()["owner_org_id"] == second.id
