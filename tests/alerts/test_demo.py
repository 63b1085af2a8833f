"""The demonstration alerts: a past alert around Berlin-Mitte with answers on its board and a
later Test of the chain, already delivered (starting the demo mails no one), and a police warning
imported in two languages whose area is to be drawn; loading twice adds none."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.html import db_rows, html, sign_in
from vigil.alerts.models import Acknowledgement, Alert, AlertSite, Delivery
from vigil.core.config import Settings
from vigil.demo import DEMO_PASSWORD, load_demo


def test_demo_alert_with_answers_once(client: TestClient, settings: Settings) -> None:
    load_demo(settings)
    alert, test, imported = db_rows(settings, select(Alert).order_by(Alert.id))
    assert alert.state == "sent" and alert.expires is not None
    assert (alert.cap_status, test.cap_status) == ("Actual", "Test")
    assert (imported.state, imported.origin, imported.language) == ("draft", "imported", "de-DE")
    deliveries = db_rows(settings, select(Delivery.status))
    assert deliveries and set(deliveries) == {"sent"}
    assert db_rows(settings, select(AlertSite.escalate_at)) == [None] * len(
        db_rows(settings, select(AlertSite.id))
    )
    answers = db_rows(settings, select(Acknowledgement.answer))
    assert "need_help" in answers and len(answers) >= 2
    load_demo(settings)
    assert len(db_rows(settings, select(Alert))) == 3

    sign_in(client, "coordinator@jcs-berlin.example", DEMO_PASSWORD)
    page = html(client.get(f"/alerts/{alert.id}"))
    first = page.find("div", id="board").find_all("li", class_="board-card")[0]
    assert "answer-need_help" in first.attrs["class"]
    listed = html(client.get("/alerts")).find("table", class_="alert-table").find_all("tr")
    marks = [m.text[:4] for item in listed for m in item.find_all(class_="status-mark")]
    assert marks == ["TEST"]
    draft = html(client.get(f"/alerts/{imported.id}"))
    assert draft.find(id="relay-needs-area") and draft.find("fieldset", id="area-needed")
