"""Alert pages: compose with preview, the alert page with its board, answering on the page and
through the signed e-mail link, Update and Cancel, CAP import."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.alerts.factories import VIENNA, World, build_world
from tests.alerts.test_cap import cap_bytes
from tests.html import csrf_of, db_rows, html, sign_in, submit
from vigil.alerts.links import answer_token
from vigil.alerts.models import Acknowledgement, Alert, Delivery
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.orgs.models import Person


def _email(settings: Settings, person_id: int) -> str:
    with transaction(settings.sqlalchemy_url) as session:
        person = session.get(Person, person_id)
        assert person is not None
        return person.email


FORM = {
    "event": "Armed attack",
    "headline": "Shots fired near Stephansplatz",
    "instruction": "Lock the doors and keep everyone inside.",
    "urgency": "Immediate",
    "severity": "Extreme",
    "certainty": "Observed",
    "response_types": ["Shelter"],
    "area_desc": "Vienna centre",
    "circle_lat": str(VIENNA[0]),
    "circle_lon": str(VIENNA[1]),
    "circle_radius_km": "2",
    "expires_hours": "4",
    "tlp": "amber",
    "step": "send",  # as the confirmation step posts it (test_sending_pages goes through it)
}


def _world(settings: Settings, site_tlp: str = "amber+strict") -> World:
    return build_world(settings, sites=3, contacts=2, site_tlp=site_tlp)


def test_compose_preview_send_and_board(client: TestClient, settings: Settings) -> None:
    world = _world(settings)
    sign_in(client, _email(settings, world.coordinator_id))
    page = html(client.get("/alerts/new"))
    assert page.find("div", id="alert-map").attrs["data-lat"] == "f-circle_lat"
    for name in ("event", "circle_lat", "circle_radius_km", "countries"):
        assert page.find("label", for_=f"f-{name}")
    token = csrf_of(page)
    preview = html(client.post("/alerts/preview", data={"csrf_token": token, **FORM}))
    assert preview.find("p", class_="preview-count").text.startswith("3 sites, 4 people")
    bad = html(
        client.post("/alerts/preview", data={"csrf_token": token, **FORM, "circle_lat": "north"})
    )
    assert "circle.lat" in bad.find("p", class_="field-error").text

    response = submit(client, "/alerts/new", "/alerts/new", FORM)
    assert response.status_code == 303, response.text
    detail = html(client.get(response.headers["location"]))
    assert detail.find("h1").text == "Shots fired near Stephansplatz"
    assert "4 messages are on their way" in detail.find("div", class_="flash").text
    board = detail.find("div", id="board")
    assert board.attrs["hx-trigger"] == "every 2s"
    assert "3 sites reached" in board.text
    # The peer's site is amber+strict: the coordinator may not read it, so it is only counted.
    assert len(board.find("ul", class_="board-cards").find_all("li", class_="board-card")) == 2
    assert "1 more sites you may not see" in board.text


def test_bad_polygon_keeps_the_form_and_saves_nothing(
    client: TestClient, settings: Settings
) -> None:
    world = _world(settings)
    sign_in(client, _email(settings, world.coordinator_id))
    response = submit(
        client,
        "/alerts/new",
        "/alerts/new",
        {**FORM, "polygon": "48.1,16.3 48.3,16.5 48.1,16.5 48.3,16.3 48.1,16.3"},
    )
    assert response.status_code == 422
    page = html(response)
    assert "intersects itself" in page.find("p", id="polygons.0-error").text
    assert page.find("input", name="event").attrs["value"] == "Armed attack"
    assert db_rows(settings, select(Alert)) == []


def test_answer_on_the_page_and_by_the_email_link(client: TestClient, settings: Settings) -> None:
    world = _world(settings, site_tlp="green")  # the network's sites are visible to it
    sign_in(client, _email(settings, world.coordinator_id))
    sent = submit(client, "/alerts/new", "/alerts/new", FORM)
    alert_path = sent.headers["location"]
    client.cookies.clear()

    sign_in(client, _email(settings, world.member_id))
    page = html(client.get(alert_path))
    buttons = page.find("section", aria_labelledby="answer-heading").find_all("button")
    assert [b.attrs["value"] for b in buttons] == ["received", "acting", "need_help"]
    answered = submit(client, alert_path, f"{alert_path}/acknowledge", {"answer": "need_help"})
    assert answered.status_code == 303
    client.cookies.clear()

    delivery = db_rows(
        settings, select(Delivery).where(Delivery.contact_id.is_not(None)).order_by(Delivery.id)
    )[0]
    (alert,) = db_rows(settings, select(Alert).where(Alert.id == delivery.alert_id))
    token = answer_token(settings.secret_key, delivery.id, alert)
    link_page = html(client.get(f"/alerts/ack/{token}"))
    assert "Lock the doors" in link_page.find("p", class_="instruction").text
    forged = token[:-1] + ("1" if token.endswith("0") else "0")
    assert client.get(f"/alerts/ack/{forged}").status_code == 404
    assert db_rows(settings, select(Acknowledgement).where(Acknowledgement.via == "email")) == []
    done = submit(client, f"/alerts/ack/{token}", f"/alerts/ack/{token}", {"answer": "received"})
    assert done.status_code == 200
    assert "Your answer is recorded" in html(done).find("p", role="status").text
    (by_link,) = db_rows(settings, select(Acknowledgement).where(Acknowledgement.via == "email"))
    assert (by_link.site_id, by_link.answer) == (delivery.site_id, "received")

    sign_in(client, _email(settings, world.coordinator_id))
    cards = html(client.get(f"{alert_path}/board")).find_all("li", class_="board-card")
    assert "answer-need_help" in cards[0].attrs["class"]  # need help on top


def test_update_then_cancel_from_the_page(client: TestClient, settings: Settings) -> None:
    world = _world(settings)
    sign_in(client, _email(settings, world.coordinator_id))
    alert_path = submit(client, "/alerts/new", "/alerts/new", FORM).headers["location"]
    updated = submit(
        client,
        alert_path,
        f"{alert_path}/change",
        {"action": "update", "instruction": "Police on site; stay inside."},
    )
    assert updated.status_code == 303
    update_page = html(client.get(updated.headers["location"]))
    assert "Police on site" in update_page.find("p", class_="instruction").text
    cancelled = submit(
        client,
        updated.headers["location"],
        f"{updated.headers['location']}/change",
        {"action": "cancel"},
    )
    assert cancelled.status_code == 303
    states = sorted((a.msg_type, a.state) for a in db_rows(settings, select(Alert)))
    assert states == [("Alert", "updated"), ("Cancel", "sent"), ("Update", "cancelled")]


def test_import_page(client: TestClient, settings: Settings) -> None:
    world = _world(settings)
    sign_in(client, _email(settings, world.coordinator_id))
    token = csrf_of(html(client.get("/alerts/import")))
    bad = client.post(
        "/alerts/import",
        data={"csrf_token": token},
        files={"document": ("cap.xml", b"<not xml", "application/xml")},
    )
    assert bad.status_code == 422
    assert "not well-formed XML" in html(bad).find("div", class_="flash-error").text
    good = client.post(
        "/alerts/import",
        data={"csrf_token": token},
        files={"document": ("cap.xml", cap_bytes(), "application/xml")},
        follow_redirects=False,
    )
    assert good.status_code == 303
    draft = html(client.get(good.headers["location"]))
    assert draft.find("section", aria_labelledby="send-heading")
    assert re.search(r"Imported as a draft", draft.text)
