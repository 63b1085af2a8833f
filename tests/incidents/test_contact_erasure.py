"""A reporter erases the contact details they left with a public report, with the receipt code,
on the status page and through the API; the report stays, the erasure is audited, and a code
that names no report reveals nothing and changes nothing."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import alerts, csrf_of, db_rows, html, submit
from tests.incidents.test_pages import World, public_form
from tests.incidents.test_pages import world as world  # noqa: F401 - the fixture
from vigil.core import audit
from vigil.core.config import Settings
from vigil.incidents.models import Report, ReportVersion


def _send(client: TestClient, world: World, **overrides: str) -> str:
    path = f"/report/{world.org.slug}"
    page = html(submit(client, path, path, public_form(world, **overrides)))
    return page.find("code", id="receipt-code").text


def _erasures(settings: Settings) -> list[audit.AuditEntry]:
    return db_rows(
        settings,
        select(audit.AuditEntry).where(audit.AuditEntry.action == "report.contact_erased"),
    )


def test_status_page_erases_the_contact_and_keeps_the_report(
    client: TestClient, world: World, settings: Settings, committed: Session
) -> None:
    receipt = _send(client, world)
    status = html(submit(client, "/report/status", "/report/status", {"receipt": receipt}))
    form = status.find("form", id="erase-contact")
    assert form.find("input", name="receipt").attrs["value"] == receipt

    erased = client.post(
        form.attrs["action"], data={"csrf_token": csrf_of(status), "receipt": receipt}
    )

    assert erased.status_code == 200, erased.text
    page = html(erased)
    assert page.find("p", id="contact-erased").text.startswith("Your contact details have been")
    assert page.find("p", class_="receipt-status").attrs["data-status"] == "received"
    (report,) = db_rows(settings, select(Report))
    assert report.contact_encrypted is None
    assert db_rows(settings, select(ReportVersion.id).where(ReportVersion.report_id == report.id))
    (entry,) = _erasures(settings)
    assert (entry.target_id, entry.org_id, entry.ip) == (str(report.id), world.org.id, "")
    assert json.loads(entry.detail) == {"had_contact": True}
    with committed.begin():
        _checked, findings = audit.verify(
            committed, key=settings.audit_key, data_dir=settings.data_dir
        )
    assert findings == []


def test_a_wrong_code_reveals_nothing_and_erases_nothing(
    client: TestClient, world: World, settings: Settings
) -> None:
    _send(client, world)
    page = html(client.get("/report/status"))
    wrong = client.post(
        "/report/status/erase-contact",
        data={"csrf_token": csrf_of(page), "receipt": "7KQ2-M9XD-4TPA"},
    )
    assert wrong.status_code == 404
    assert alerts(html(wrong)) == ["No report has this receipt code."]
    (report,) = db_rows(settings, select(Report))
    assert report.contact_encrypted is not None
    assert _erasures(settings) == []


@pytest.mark.parametrize("contact", ["+49 30 1234567", ""])
def test_api_erases_the_contact_for_the_holder_of_the_receipt(
    client: TestClient, world: World, settings: Settings, contact: str
) -> None:
    receipt = _send(client, world, contact=contact).lower().replace("-", " ")

    first = client.post(f"/api/v1/public/receipts/{receipt}/erase-contact")
    again = client.post(f"/api/v1/public/receipts/{receipt}/erase-contact")
    unknown = client.post("/api/v1/public/receipts/7KQ2-M9XD-4TPA/erase-contact")

    assert first.status_code == again.status_code == 200, first.text
    assert first.json() == {"had_contact": bool(contact)}
    assert again.json() == {"had_contact": False}
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "No report has this receipt code."
    (report,) = db_rows(settings, select(Report))
    assert report.contact_encrypted is None
    assert len(_erasures(settings)) == 2
