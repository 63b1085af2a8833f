"""An organisation declares its national threat level (1-5): coordinators and admins only,
through the API and the organisation page, audited; it defaults to 2 (moderate)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import db_rows, flash_after, html, sign_in, submit
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.models import Organisation


def test_coordinators_declare_the_level_through_api_and_page(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    analyst = make_person(committed, settings, org=org, role=Role.analyst)
    headers = token_headers(committed, coordinator, org)
    analyst_headers = token_headers(committed, analyst, org)
    committed.commit()
    path = f"/api/v1/organisations/{org.id}"

    assert client.get(path, headers=headers).json()["national_threat_level"] == 2
    assert (
        client.patch(path, json={"national_threat_level": 4}, headers=analyst_headers).status_code
        == 403
    )
    refused = client.patch(path, json={"national_threat_level": 6}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "national_threat_level"
    done = client.patch(path, json={"national_threat_level": 4}, headers=headers)
    assert done.status_code == 200 and done.json()["national_threat_level"] == 4

    sign_in(client, coordinator.email)
    page_path = f"/orgs/{org.slug}"
    page = flash_after(
        client, submit(client, page_path, f"{page_path}/threat-level", {"level": "3"})
    )
    assert page.find("dd", id="threat-level").attrs["data-level"] == "3"
    assert db_rows(settings, select(Organisation.national_threat_level)) == [3]
    audited = db_rows(
        settings, select(AuditEntry.detail).where(AuditEntry.action == "org.threat_level")
    )
    assert len(audited) == 2 and '"to": 3' in audited[-1]
    client.cookies.clear()

    sign_in(client, analyst.email)
    shown = html(client.get(page_path))
    assert shown.find_all("form", action=f"{page_path}/threat-level") == []
