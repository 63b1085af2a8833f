"""An organisation's people through the JSON API, as a directory provisions them: the same
rules as the administration pages (administrators only, each their own organisation, the last
administrator stays)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import db_rows
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.jobs import Job
from vigil.core.mail import SEND_EMAIL
from vigil.core.policy import Role
from vigil.orgs.models import Invitation, Membership


def test_admin_lists_invites_changes_role_and_removes(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    member = make_person(committed, settings, org=org, role=Role.viewer)
    headers = token_headers(committed, admin)
    committed.commit()
    base = f"/api/v1/organisations/{org.id}/members"

    listed = client.get(base, headers=headers)
    invited = client.post(
        base, headers=headers, json={"email": "New.Person@Example.org", "role": "analyst"}
    )
    changed = client.patch(f"{base}/{member.id}", headers=headers, json={"role": "coordinator"})
    removed = client.delete(f"{base}/{member.id}", headers=headers)

    assert {m["person_id"] for m in listed.json()} == {admin.id, member.id}
    assert invited.status_code == 202, invited.text
    [invitation] = db_rows(settings, select(Invitation))
    assert (invitation.org_id, invitation.email, invitation.role) == (
        org.id,
        "new.person@example.org",
        "analyst",
    )
    assert len(db_rows(settings, select(Job).where(Job.kind == SEND_EMAIL))) == 1
    assert changed.status_code == 200 and changed.json()["role"] == "coordinator"
    assert removed.status_code == 204
    assert db_rows(settings, select(Membership.person_id).where(Membership.org_id == org.id)) == [
        admin.id
    ]


def test_members_who_are_not_admins_may_only_list(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    viewer = make_person(committed, settings, org=org, role=Role.viewer)
    headers = token_headers(committed, coordinator)
    committed.commit()
    base = f"/api/v1/organisations/{org.id}/members"

    assert client.get(base, headers=headers).status_code == 200
    invite = client.post(base, headers=headers, json={"email": "x@example.org", "role": "viewer"})
    change = client.patch(f"{base}/{viewer.id}", headers=headers, json={"role": "analyst"})
    remove = client.delete(f"{base}/{viewer.id}", headers=headers)

    assert [invite.status_code, change.status_code, remove.status_code] == [403, 403, 403]
    assert invite.headers["content-type"] == "application/problem+json"
    assert db_rows(settings, select(Invitation)) == []
    assert db_rows(settings, select(Membership.role).where(Membership.person_id == viewer.id)) == [
        "viewer"
    ]


def test_admin_of_one_organisation_cannot_touch_another_ones_members(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org_a, org_b = make_org(committed), make_org(committed)
    admin_a = make_person(committed, settings, org=org_a, role=Role.org_admin)
    member_b = make_person(committed, settings, org=org_b, role=Role.analyst)
    make_person(committed, settings, org=org_b, role=Role.org_admin)
    headers = token_headers(committed, admin_a)
    committed.commit()
    base_b = f"/api/v1/organisations/{org_b.id}/members"

    answers = [
        client.get(base_b, headers=headers),
        client.post(base_b, headers=headers, json={"email": "y@example.org", "role": "org_admin"}),
        client.patch(f"{base_b}/{member_b.id}", headers=headers, json={"role": "viewer"}),
        client.delete(f"{base_b}/{member_b.id}", headers=headers),
    ]

    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert db_rows(
        settings, select(Membership.role).where(Membership.person_id == member_b.id)
    ) == ["analyst"]


def test_last_admin_cannot_be_removed_and_bad_input_is_named(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    headers = token_headers(committed, admin)
    committed.commit()
    base = f"/api/v1/organisations/{org.id}/members"

    removed = client.delete(f"{base}/{admin.id}", headers=headers)
    bad_role = client.post(base, headers=headers, json={"email": "z@example.org", "role": "king"})
    bad_email = client.post(base, headers=headers, json={"email": "nope", "role": "viewer"})
    stranger = client.delete(f"{base}/999999", headers=headers)

    assert removed.status_code == 409
    assert "last administrator" in removed.json()["detail"]
    assert bad_role.status_code == 422 and bad_role.json()["errors"][0]["field"] == "role"
    assert bad_email.status_code == 422 and bad_email.json()["errors"][0]["field"] == "email"
    assert stranger.status_code == 404
    assert db_rows(settings, select(Membership.person_id)) == [admin.id]


def test_single_sign_on_is_set_up_by_the_organisations_admin_only(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org_a, org_b = make_org(committed), make_org(committed)
    admin_a = make_person(committed, settings, org=org_a, role=Role.org_admin)
    admin_b = make_person(committed, settings, org=org_b, role=Role.org_admin)
    headers_a, headers_b = token_headers(committed, admin_a), token_headers(committed, admin_b)
    committed.commit()
    body = {
        "label": "Staff ID",
        "issuer": "https://id.example.org/realms/staff",
        "client_id": "vigil",
        "client_secret": "a-secret-of-the-client",
        "role_map": {"vigil-admins": "org_admin"},
        "email_domains": ["staff.example.org"],
    }

    saved = client.put(f"/api/v1/organisations/{org_a.id}/sso", headers=headers_a, json=body)
    foreign = client.put(f"/api/v1/organisations/{org_a.id}/sso", headers=headers_b, json=body)
    clash = client.put(f"/api/v1/organisations/{org_b.id}/sso", headers=headers_b, json=body)

    assert saved.status_code == 200, saved.text
    assert "client_secret" not in saved.json()
    assert saved.json()["redirect_uri"].endswith(f"/login/sso/{org_a.slug}/callback")
    assert foreign.status_code == 403
    assert clash.status_code == 422 and clash.json()["errors"][0]["field"] == "email_domains"
