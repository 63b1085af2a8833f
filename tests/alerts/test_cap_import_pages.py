"""The import page and the imported draft's page: what the message follows or references, the
area to draw when it gave only codes, the warning and confirmation before relaying an expired
alert, and every info block as received."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.alerts import cap_documents as docs
from tests.alerts.factories import World, build_world
from tests.html import Node, csrf_of, db_rows, html, sign_in
from vigil.alerts.models import Alert
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.orgs.models import Person


def _signed_in(client: TestClient, settings: Settings) -> World:
    world = build_world(settings, sites=3, contacts=1)
    with transaction(settings.sqlalchemy_url) as session:
        person = session.get(Person, world.coordinator_id)
        assert person is not None
        email = person.email
    sign_in(client, email)
    return world


def _import(client: TestClient, data: bytes) -> str:
    """Import through the page; returns the draft's path."""
    token = csrf_of(html(client.get("/alerts/import")))
    response = client.post(
        "/alerts/import",
        data={"csrf_token": token},
        files={"document": ("alert.cap", data, "application/cap+xml")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _send(client: TestClient, path: str, **fields: Any) -> httpx.Response:
    """Post the draft's form as its summary's Confirm does (`step=send`): the checks of the
    review step are the send step's too (tests/alerts/test_sending_pages.py walks both)."""
    token = csrf_of(html(client.get(path)))
    data = {"csrf_token": token, "step": "send", **fields}
    return client.post(f"{path}/send", data=data, follow_redirects=False)


def _state(settings: Settings, path: str) -> str:
    alert_id = int(path.rsplit("/", 1)[1])
    (state,) = db_rows(settings, select(Alert.state).where(Alert.id == alert_id))
    return str(state)


def test_draft_with_an_area_of_codes_asks_for_the_area_before_sending(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    path = _import(client, docs.document(infos=[docs.Info(area=docs.NUTS_ONLY)]))
    page = html(client.get(path))
    assert "draw or pick the area" in page.find(id="relay-needs-area").text
    area = page.find("fieldset", id="area-needed")
    for name in ("area_desc", "circle_lat", "circle_lon", "circle_radius_km", "countries"):
        assert area.find("label", for_=f"f-{name}")
    assert area.find("input", name="area_desc").attrs["value"] == "Wien"
    assert page.find("div", id="alert-map").attrs["data-lat"] == "f-circle_lat"
    codes = [c.text for c in page.find("details", id="received").find_all("code")]
    assert "NUTS3 AT130" in codes
    refused = _send(client, path)
    assert refused.status_code == 422
    assert "NUTS3 AT130" in html(refused).find("div", class_="flash-error").text
    assert _state(settings, path) == "draft"
    circle = {"circle_lat": "48.2082", "circle_lon": "16.3738", "circle_radius_km": "2"}
    sent = _send(client, path, **circle)
    assert sent.status_code == 303, sent.text
    assert _state(settings, path) == "sent"


def test_update_page_says_what_it_follows_or_that_vigil_does_not_know_it(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    sent = docs.soon(-1)
    original = _import(client, docs.document(identifier="AT-1", sent=sent))
    assert _send(client, original).status_code == 303
    reference = docs.reference("AT-1", sent)
    update = _import(
        client, docs.document(identifier="AT-2", msg_type="Update", references=reference)
    )
    follows = html(client.get(update)).find("p", id="relay-follows")
    assert follows.find("a").attrs["href"] == original
    button = html(client.get(update)).find("section", aria_labelledby="send-heading")
    assert button.find("button", type="submit").text == "Review and send the update"
    unknown = docs.reference("AT-0", docs.soon(-30))
    stray = _import(client, docs.document(identifier="AT-3", msg_type="Update", references=unknown))
    warning = html(client.get(stray)).find("div", id="relay-unknown")
    assert "does not know" in warning.text
    assert [c.text for c in warning.find_all("code")] == [unknown]


def test_relaying_an_expired_alert_warns_and_needs_the_box_ticked(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    old = docs.Info(expires=docs.soon(-1))
    path = _import(client, docs.document(sent=docs.soon(-4), infos=[old]))
    page = html(client.get(path))
    assert "expired" in page.find(id="relay-expired").text
    box = page.find("input", name="confirm_expired")
    assert "required" in box.attrs
    refused = _send(client, path)
    assert refused.status_code == 409
    assert "expired" in html(refused).find("div", class_="flash-error").text
    assert _state(settings, path) == "draft"
    assert _send(client, path, confirm_expired="yes").status_code == 303
    assert _state(settings, path) == "sent"


def _received(page: Node) -> list[tuple[str, str]]:
    sections = page.find("details", id="received").find_all("section")
    return [(s.attrs["lang"], s.find("h3").text) for s in sections]


def test_received_message_shows_every_language_and_its_signature(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    english = docs.Info(language="en-US", event="Bomb threat", headline="Bomb threat in Vienna")
    data = docs.document(infos=[docs.Info(), english], signature=docs.SIGNATURE)
    page = html(client.get(_import(client, data)))
    assert _received(page) == [
        ("de-AT", "de-AT · Bombendrohung gegen Gotteshäuser in Wien"),
        ("en-US", "en-US · Bomb threat in Vienna"),
    ]
    assert "not verified" in page.find("p", id="relay-source").text
