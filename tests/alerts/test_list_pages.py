"""The alert list's filters and sorting refuse what they do not know, saying what they take;
its rows, sort headers and pages are those of every list (tests/sites/test_list_pages.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.html import alerts, html, sign_in
from tests.orgs.factories import make_org, make_person
from vigil.core.config import Settings
from vigil.core.policy import Role


def test_unknown_severity_and_sort_are_refused(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    person = make_person(committed, settings, org=make_org(committed), role=Role.coordinator)
    committed.commit()
    sign_in(client, person.email)

    severity = client.get("/alerts", params={"severity": "Apocalyptic"})
    sort = client.get("/alerts", params={"sort": "sender"})
    fine = html(client.get("/alerts", params={"severity": "Extreme", "current": "1"}))

    assert severity.status_code == 422
    assert alerts(html(severity)) == [
        "severity: choose among Extreme, Severe, Moderate, Minor, Unknown"
    ]
    assert sort.status_code == 422
    assert alerts(html(sort)) == ["sort: sort by one of: when, alert, severity, state, area, tlp"]
    assert fine.find("input", id="q-current").attrs.get("checked") == ""
    assert fine.find("option", value="Extreme").attrs.get("selected") == ""
    assert fine.find("form", class_="save-filters")
