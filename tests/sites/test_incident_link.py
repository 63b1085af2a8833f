"""An incident may name the site it happened at (DECISIONS 8): only a site its author may
see, refused with the field named otherwise; the incident page links the site for readers
who may see it and for nobody else, who are shown no id but "a site you cannot see"."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.html import db_rows, html, sign_in
from tests.orgs.factories import make_network, make_org, make_person, token_headers
from tests.sites.factories import acting, make_site
from vigil.core.config import Settings
from vigil.core.policy import TLP, Role
from vigil.incidents.models import Report


def test_incident_names_a_readable_site_and_the_page_links_it(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    org, other = make_org(committed), make_org(committed)
    make_network(committed, org, other)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    stranger = make_person(committed, settings, org=other, role=Role.coordinator)
    own = make_site(committed, acting(committed, coordinator, org), name="Jewish School")
    hidden = make_site(committed, acting(committed, stranger, other), name="Hidden Hall")
    headers = token_headers(committed, coordinator, org)
    stranger_headers = token_headers(committed, stranger, other)
    committed.commit()

    report = {
        "title": "Threat phoned to the school office",
        "occurred_from": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat(),
        "type": "threat",
        "tlp": TLP.green.value,
    }
    refused = client.post("/api/v1/reports", json={**report, "site_id": hidden.id}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "site_id"
    assert db_rows(settings, select(func.count()).select_from(Report)) == [0]

    made = client.post("/api/v1/reports", json={**report, "site_id": own.id}, headers=headers)
    assert made.status_code == 201, made.text
    triaged = client.post(
        f"/api/v1/reports/{made.json()['id']}/triage",
        json={"action": "new_incident"},
        headers=headers,
    )
    incident_id = triaged.json()["incident_id"]
    incident = client.get(f"/api/v1/incidents/{incident_id}", headers=headers).json()
    assert incident["site_id"] == own.id

    moved = client.patch(
        f"/api/v1/incidents/{incident_id}", json={"site_id": hidden.id}, headers=headers
    )
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "site_id"

    sign_in(client, coordinator.email)
    link = html(client.get(f"/incidents/{incident_id}")).find("a", class_="site-link")
    assert link.attrs["href"] == f"/sites/{own.id}" and link.text == "Jewish School"
    client.cookies.clear()

    # A reader of the (GREEN) incident who may not see the (AMBER+STRICT) site gets no link,
    # nor its id: the page says there is a site they cannot see.
    seen = client.get(f"/api/v1/incidents/{incident_id}", headers=stranger_headers)
    assert seen.status_code == 200 and seen.json()["site_id"] is None
    listed = client.get("/api/v1/incidents", headers=stranger_headers).json()["items"]
    assert [(i["id"], i["site_id"]) for i in listed] == [(incident_id, None)]
    sign_in(client, stranger.email)
    page = html(client.get(f"/incidents/{incident_id}"))
    assert page.find_all("a", class_="site-link") == []
    assert "Jewish School" not in page.find("main").text
    assert page.find("dd", class_="site-hidden").text.strip() == "a site you cannot see"

    unlinked = client.patch(
        f"/api/v1/incidents/{incident_id}", json={"site_id": None}, headers=headers
    )
    assert unlinked.status_code == 200 and unlinked.json()["site_id"] is None
