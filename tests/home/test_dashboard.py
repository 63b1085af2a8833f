"""The dashboard's "now" cards on SQLite and PostgreSQL: for the organisation the viewer acts
for, each card counts what its domain lets that viewer read, by role (triage for coordinators,
alert answers for analysts and above, RED incidents for their author and coordinators), links to
the list filtered the same way, and shows nothing of another organisation's records."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.home.world import Side, make_world
from tests.html import Node, html, sign_in
from vigil.core.config import Settings


def _card(page: Node, heading_id: str) -> Node | None:
    found = page.find_all("section", **{"aria-labelledby": heading_id})
    return found[0] if found else None


def _now(client: TestClient, email: str) -> Node:
    sign_in(client, email)
    response = client.get("/")
    assert response.status_code == 200
    return html(response).find("div", id="now")


def _bravo_absent(now: Node, b: Side) -> None:
    text = now.text
    assert "Bravo" not in text, text
    assert not now.find_all("a", href=f"/alerts/{b.alert_id}")
    assert not [a for a in now.find_all("a") if f"org={b.org.id}&" in a.attrs.get("href", "")]


def test_a_coordinator_sees_every_card_of_their_organisation(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    a, b = make_world(committed, settings)
    now = _now(client, a.coordinator.email)

    triage = _card(now, "now-triage")
    assert triage is not None
    assert triage.find("a", href="/incidents/triage").text == "2 reports wait"
    rows = triage.find_all("li")
    assert len(rows) == 2 and "waiting 3 hours" in rows[0].text and "waiting 1 hour" in rows[1].text

    incidents = _card(now, "now-incidents")
    assert incidents is not None
    link = f"/incidents?org={a.org.id}&status=new&status=triaged&status=verified"
    assert incidents.find("a", href=link).text == "3 open incidents"
    by_severity = {li.attrs["data-severity"]: li.text for li in incidents.find_all("li")}
    assert by_severity == {"extreme": "Extreme: 1", "severe": "Severe: 2"}
    # The link lists exactly what the card counted.
    listed = html(client.get(link + "&severity=severe")).find("p", id="result-count").text
    assert listed == "2 incidents"

    responses = _card(now, "now-responses")
    assert responses is not None
    assert responses.find("a", href="/playbooks").text == "1 response running"
    assert "1 with overdue tasks" in responses.text
    assert "1 task overdue · 2 tasks open" in responses.find("li").text

    alerts = _card(now, "now-alerts")
    assert alerts is not None
    assert alerts.find("a", href="/alerts?current=1").text == "1 live alert"
    row = alerts.find("li", **{"data-alert": str(a.alert_id)})
    assert "1 site unanswered · 1 site needs help" in row.text
    live = html(client.get("/alerts?current=1")).find_all("a", href=f"/alerts/{a.alert_id}")
    assert live

    calls = _card(now, "now-roll-calls")
    assert calls is not None
    call = calls.find("li")
    assert "2 not safe yet" in call.text
    assert "Dov (Needs help), Night guard (No answer yet)" in call.text
    assert "Rina" not in call.text

    reviews = _card(now, "now-reviews")
    assert reviews is not None
    assert [li.attrs["data-site"] for li in reviews.find_all("li")] == [str(a.sites[0].id)]
    measures = _card(now, "now-measures")
    assert measures is not None
    assert "1 measure overdue" in measures.text and "overdue for 1 month" in measures.text
    _bravo_absent(now, b)


def test_an_analyst_sees_no_triage_nor_red_and_a_reporter_no_alert_answers(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    a, b = make_world(committed, settings)
    now = _now(client, a.analyst.email)
    assert _card(now, "now-triage") is None
    incidents = _card(now, "now-incidents")
    assert incidents is not None and "2 open incidents" in incidents.text  # the RED one is not
    alerts = _card(now, "now-alerts")
    assert alerts is not None and "1 site needs help" in alerts.text
    _bravo_absent(now, b)

    client.post("/logout")
    client.cookies.clear()
    now = _now(client, a.reporter.email)
    assert _card(now, "now-triage") is None
    alerts = _card(now, "now-alerts")
    assert alerts is not None and "1 live alert" in alerts.text
    assert "unanswered" not in alerts.text and "need help" not in alerts.text
    _bravo_absent(now, b)


def test_the_cards_refresh_as_a_fragment(
    client: TestClient, committed: Session, settings: Settings
) -> None:
    a, _ = make_world(committed, settings)
    sign_in(client, a.coordinator.email)
    fragment = html(client.get("/dashboard/now")).find("div", id="now")
    assert fragment.attrs["hx-get"] == "/dashboard/now"
    assert "vigil-alert from:body" in fragment.attrs["hx-trigger"]
    assert _card(fragment, "now-triage") is not None
    assert not html(client.get("/")).find_all("section", class_="card-soon")
