"""Organisations and memberships through the JSON API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import Role


def test_member_lists_own_and_network_orgs_but_not_strangers(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    mine, peer, stranger = make_org(committed), make_org(committed), make_org(committed)
    make_network(committed, mine, peer)
    person = make_person(committed, settings, org=mine)
    headers = token_headers(committed, person)
    committed.commit()

    response = client.get("/api/v1/organisations", headers=headers)

    assert response.status_code == 200
    slugs = {o["slug"] for o in response.json()}
    assert slugs == {mine.slug, peer.slug}
    assert client.get(f"/api/v1/organisations/{stranger.id}", headers=headers).status_code == 404


def test_unknown_field_is_rejected_naming_the_field(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    admin = make_person(committed, settings, platform_admin=True)
    headers = token_headers(committed, admin)
    committed.commit()

    response = client.post(
        "/api/v1/organisations",
        headers=headers,
        json={"slug": "ok-slug", "name": "X", "kind": "police", "country": "DE", "colour": "red"},
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "colour"


def test_last_org_admin_cannot_be_demoted(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    headers = token_headers(committed, admin)
    committed.commit()

    response = client.patch(
        f"/api/v1/organisations/{org.id}/members/{admin.id}",
        headers=headers,
        json={"role": "viewer"},
    )

    assert response.status_code == 409


def test_slug_that_a_page_address_uses_is_refused(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    admin = make_person(committed, settings, platform_admin=True)
    headers = token_headers(committed, admin)
    committed.commit()

    response = client.post(
        "/api/v1/organisations",
        headers=headers,
        json={"slug": "status", "name": "Status", "kind": "ngo", "country": "DE"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "slug"
