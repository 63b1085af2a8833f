"""Cost bands per organisation (issue 21) on SQLite and PostgreSQL: Vigil's defaults until an
administrator sets a currency and a money range per cost class, by API or page; wrong input is
a 4xx naming the field, only administrators change them, only members read them, and every
change is audited with its values before and after."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import alerts, db_rows, flash_after, html, sign_in, submit
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.policy import Role

BANDS = {
    "currency": "czk",
    "low_min": 0,
    "low_max": 20_000,
    "medium_min": 20_000,
    "medium_max": 250_000,
    "high_min": 250_000,
    "high_max": 2_500_000,
}


def test_defaults_then_set_by_api_and_audited(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = token_headers(committed, make_person(committed, settings, org=org, role=Role.org_admin))
    viewer = token_headers(committed, make_person(committed, settings, org=org, role=Role.viewer))
    committed.commit()
    url = f"/api/v1/organisations/{org.id}/cost-bands"

    first = client.get(url, headers=viewer).json()
    assert first["is_default"] is True
    assert (first["currency"], first["medium_min"], first["medium_max"]) == ("EUR", 1000, 10000)

    saved = client.put(url, headers=admin, json=BANDS)
    assert saved.status_code == 200, saved.text
    assert saved.json()["currency"] == "CZK"
    read = client.get(url, headers=viewer).json()
    assert read["is_default"] is False
    assert read["high_max"] == 2_500_000

    entries = db_rows(settings, select(AuditEntry).where(AuditEntry.action == "org.cost_bands"))
    assert len(entries) == 1
    detail = json.loads(entries[0].detail)
    assert detail["currency"] == {"from": "EUR", "to": "CZK"}
    assert detail["high_max"] == {"from": 100_000, "to": 2_500_000}

    reset = client.delete(url, headers=admin)
    assert reset.json()["is_default"] is True
    assert client.get(url, headers=viewer).json()["currency"] == "EUR"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"low_max": 0, "low_min": 10}, "low_max"),
        ({"currency": "XYZ"}, "currency"),
        ({"medium_min": -1}, "medium_min"),
        ({"high_max": None}, "high_max"),
    ],
)
def test_wrong_bands_are_refused_naming_the_field(
    client: TestClient,
    committed: Session,
    settings: Settings,
    change: dict[str, Any],
    field: str,
) -> None:
    org = make_org(committed)
    admin = token_headers(committed, make_person(committed, settings, org=org, role=Role.org_admin))
    committed.commit()
    url = f"/api/v1/organisations/{org.id}/cost-bands"

    response = client.put(url, headers=admin, json=BANDS | change)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert client.get(url, headers=admin).json()["is_default"] is True


def test_only_admins_set_and_only_members_read(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org, other = make_org(committed), make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    outsider = make_person(committed, settings, org=other, role=Role.org_admin)
    mine, theirs = token_headers(committed, coordinator), token_headers(committed, outsider)
    committed.commit()
    url = f"/api/v1/organisations/{org.id}/cost-bands"

    assert client.put(url, headers=mine, json=BANDS).status_code == 403
    assert client.put(url, headers=theirs, json=BANDS).status_code == 404
    assert client.get(url, headers=theirs).status_code == 404
    assert client.get(url, headers=mine).status_code == 200


def test_admin_sets_bands_on_the_page(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    committed.commit()
    sign_in(client, admin.email)
    path = f"/orgs/{org.slug}/admin/costs"
    assert html(client.get(f"/orgs/{org.slug}/admin")).find("a", href=path)
    page = html(client.get(path))
    assert page.find(id="costs-default")
    assert page.find("input", name="medium_max").attrs["value"] == "10000"

    form = {k: str(v) for k, v in BANDS.items()}
    wrong = submit(client, path, path, form | {"medium_min": "300000"})
    assert wrong.status_code == 422
    wrong_page = html(wrong)
    assert alerts(wrong_page)
    assert wrong_page.find("input", name="medium_max").attrs.get("aria-invalid") == "true"
    assert wrong_page.find("input", name="medium_min").attrs["value"] == "300000"

    shown = flash_after(client, submit(client, path, path, form))
    assert shown.find("input", name="currency").attrs["value"] == "CZK"
    assert not shown.find_all(id="costs-default")

    back = submit(client, path, f"{path}/reset", {})
    assert flash_after(client, back).find(id="costs-default")
    actions = db_rows(settings, select(AuditEntry.action).where(AuditEntry.org_id == org.id))
    assert actions.count("org.cost_bands") == 2


def test_a_member_who_is_not_admin_gets_no_page(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org = make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    committed.commit()
    sign_in(client, coordinator.email)
    assert client.get(f"/orgs/{org.slug}/admin/costs").status_code == 403
