"""Sending an alert from the pages safely: no preset urgency, severity or certainty; a summary to
confirm before anything is sent (and back to edit with nothing lost); human labels for CAP codes;
Test and Exercise alerts marked as such; a sent alert cancelled from its page in one step."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.alerts.factories import VIENNA, World, alert_input, build_world
from tests.alerts.test_cap import alert_data, cap_bytes
from tests.alerts.test_pages import FORM
from tests.html import Node, csrf_of, db_rows, html, sign_in, submit
from vigil.alerts import service
from vigil.alerts.links import answer_token
from vigil.alerts.models import Alert, Delivery
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.errors import Conflict
from vigil.orgs.models import Person

CHOICES = ("urgency", "severity", "certainty")


def _signed_in(client: TestClient, settings: Settings, *, webhooks: tuple[str, ...] = ()) -> World:
    world = build_world(settings, sites=3, contacts=2, webhook_urls=webhooks)
    with transaction(settings.sqlalchemy_url) as session:
        person = session.get(Person, world.coordinator_id)
        assert person is not None
        email = person.email
    sign_in(client, email)
    return world


def _hidden(page: Node) -> dict[str, list[str]]:
    """The values a form carries in hidden inputs, as the browser would post them."""
    found: dict[str, list[str]] = {}
    for node in page.find("form", id="confirm").find_all("input", type="hidden"):
        found.setdefault(node.attrs["name"], []).append(node.attrs.get("value", ""))
    return found


def _repost(client: TestClient, page: Node, step: str) -> httpx.Response:
    carried = {k: v if len(v) > 1 else v[0] for k, v in _hidden(page).items()}
    return client.post("/alerts/new", data={**carried, "step": step}, follow_redirects=False)


def test_compose_starts_with_no_urgency_severity_or_certainty(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    page = html(client.get("/alerts/new"))
    for name in CHOICES:
        select_ = page.find("select", name=name)
        assert "required" in select_.attrs
        options = select_.find_all("option")
        assert options[0].attrs["value"] == "" and "Choose" in options[0].text
        # Nothing but the placeholder is chosen: a browser sends nothing unless someone picks.
        assert [o.attrs["value"] for o in options if "selected" in o.attrs] in ([], [""])


def test_the_preview_counts_before_the_cap_choices_are_made(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    token = csrf_of(html(client.get("/alerts/new")))
    form = {k: v for k, v in FORM.items() if k not in CHOICES and k != "step"}
    preview = html(client.post("/alerts/preview", data={"csrf_token": token, **form}))
    assert preview.find("p", class_="preview-count").text.startswith("3 sites, 4 people")


def test_compose_without_the_cap_choices_says_which_are_missing(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    form = {k: v for k, v in FORM.items() if k not in CHOICES and k != "step"}
    response = submit(client, "/alerts/new", "/alerts/new", form)
    assert response.status_code == 422
    page = html(response)
    for name in CHOICES:
        assert page.find("p", id=f"{name}-error").text.startswith("Choose")
        assert page.find("select", name=name).attrs["aria-invalid"] == "true"
    assert page.find("input", name="event").attrs["value"] == "Armed attack"
    assert db_rows(settings, select(Alert)) == []


def test_sending_shows_a_summary_to_confirm_and_back_to_edit_loses_nothing(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings, webhooks=("http://127.0.0.1:9/vigil",))
    form = {k: v for k, v in FORM.items() if k != "step"}
    review = submit(client, "/alerts/new", "/alerts/new", {**form, "status": "Exercise"})
    assert review.status_code == 200, review.text
    assert db_rows(settings, select(Alert)) == []  # nothing is sent or saved yet
    page = html(review)
    summary = page.find("section", id="summary")
    assert summary.find("h2").text == "Shots fired near Stephansplatz"
    assert "EXERCISE" in summary.find(class_="status-mark").text
    assert "3 sites" in summary.find(id="summary-reach").text
    assert "4 people" in summary.find(id="summary-reach").text
    channels = summary.find(id="summary-channels").text
    assert "4 e-mails" in channels and "1 webhook call" in channels
    assert "TLP:AMBER" in summary.find(class_="tlp").text
    assert "Extreme" in summary.find(id="summary-severity").text
    area = summary.find("div", id="alert-map")
    assert area.attrs["data-circle"].startswith("{")  # drawn on the offline map, read-only
    assert "data-lat" not in area.attrs
    steps = [b.attrs["value"] for b in page.find("form", id="confirm").find_all("button")]
    assert steps == ["send", "edit"]

    edit = _repost(client, page, "edit")
    assert edit.status_code == 200
    again = html(edit)
    assert again.find("input", name="headline").attrs["value"] == FORM["headline"]
    assert again.find("input", name="circle_lat").attrs["value"] == str(VIENNA[0])
    assert again.find("option", value="Extreme").attrs.get("selected") is not None
    assert again.find("input", name="status", value="Exercise").attrs.get("checked") is not None
    assert again.find("input", name="response_types", value="Shelter").attrs.get("checked") == ""
    assert db_rows(settings, select(Alert)) == []

    sent = _repost(client, page, "send")
    assert sent.status_code == 303
    (alert,) = db_rows(settings, select(Alert))
    assert (alert.state, alert.cap_status, alert.severity) == ("sent", "Exercise", "Extreme")
    # The summary counted what the fan-out then queued.
    channels = [d.channel for d in db_rows(settings, select(Delivery))]
    assert (channels.count("email"), channels.count("webhook")) == (4, 1)


def test_confirming_twice_sends_the_alert_once(client: TestClient, settings: Settings) -> None:
    _signed_in(client, settings)
    form = {k: v for k, v in FORM.items() if k != "step"}
    page = html(submit(client, "/alerts/new", "/alerts/new", form))
    first = _repost(client, page, "send")
    second = _repost(client, page, "send")  # a double click, or Back and confirm again
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    (alert,) = db_rows(settings, select(Alert))
    assert alert.state == "sent"
    shown = html(client.get(second.headers["location"]))
    assert "already sent" in shown.find("div", class_="flash").text


def test_a_key_sent_at_the_same_moment_is_a_conflict_not_a_second_alert(
    settings: Settings,
) -> None:
    world = build_world(settings, sites=1, contacts=1)
    key = uuid.uuid4()

    def create(session: Session) -> None:
        service.create_alert(
            session=session,
            principal=world.principal(session),
            settings=settings,
            data=alert_input(),
            key=key,
        )

    with transaction(settings.sqlalchemy_url) as session:
        create(session)
    # The second as if both had passed the check for a sent one: refused, and rolled back.
    with pytest.raises(Conflict, match="already sent"), transaction(settings.sqlalchemy_url) as s:
        create(s)
    assert len(db_rows(settings, select(Alert))) == 1


def test_cap_codes_show_human_labels_with_the_code_beside(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    compose = html(client.get("/alerts/new"))
    extreme = compose.find("option", value="Extreme").text
    assert "extraordinary threat to life" in extreme
    sent = submit(client, "/alerts/new", "/alerts/new", FORM)
    detail = html(client.get(sent.headers["location"]))
    severity = detail.find(id="alert-severity")
    assert "extraordinary threat to life" in severity.text
    assert severity.find("small", class_="cap-code").text == "Extreme"
    listed = html(client.get("/alerts")).find("table", class_="alert-table")
    assert listed.find("small", class_="cap-code").text == "Extreme"


def test_test_alert_is_marked_on_its_pages_and_in_the_list(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    sent = submit(client, "/alerts/new", "/alerts/new", {**FORM, "status": "Test"})
    detail = html(client.get(sent.headers["location"]))
    assert detail.find(class_="status-mark").text.startswith("TEST")
    listed = html(client.get("/alerts")).find("table", class_="alert-table")
    assert listed.find(class_="status-mark").text.startswith("TEST")
    # and on the page behind the e-mail's answer link
    delivery = db_rows(settings, select(Delivery).where(Delivery.contact_id.is_not(None)))[0]
    (alert,) = db_rows(settings, select(Alert).where(Alert.id == delivery.alert_id))
    token = answer_token(settings.secret_key, delivery.id, alert)
    client.cookies.clear()
    answer_page = html(client.get(f"/alerts/ack/{token}"))
    assert answer_page.find(class_="status-mark").text.startswith("TEST")


def test_a_sent_alert_is_cancelled_from_its_page_in_one_step(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    alert_path = submit(client, "/alerts/new", "/alerts/new", FORM).headers["location"]
    page = html(client.get(alert_path))
    cancel = page.find("details", id="cancel")
    assert "Cancel the alert" in cancel.find("summary").text
    form = cancel.find("form")
    assert form.attrs["action"] == f"{alert_path}/change"
    button = form.find("button", name="action")
    assert button.attrs["value"] == "cancel"
    done = client.post(
        form.attrs["action"],
        data={
            "csrf_token": csrf_of(page),
            "action": "cancel",
            "instruction": "The police gave the all clear.",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    original, cancellation = sorted(db_rows(settings, select(Alert)), key=lambda a: a.id)
    assert (original.state, cancellation.msg_type, cancellation.state) == (
        "cancelled",
        "Cancel",
        "sent",
    )
    assert original.identifier in cancellation.references
    assert cancellation.instruction == "The police gave the all clear."


def test_an_imported_draft_is_sent_only_after_its_summary_is_confirmed(
    client: TestClient, settings: Settings
) -> None:
    _signed_in(client, settings)
    token = csrf_of(html(client.get("/alerts/import")))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    current = {"effective": now, "expires": now + dt.timedelta(hours=3)}
    document = cap_bytes(sent=now, info=[{**alert_data()["info"][0], **current}])
    imported = client.post(
        "/alerts/import",
        data={"csrf_token": token},
        files={"document": ("cap.xml", document, "application/xml")},
        follow_redirects=False,
    )
    draft_path = imported.headers["location"]
    review = submit(client, draft_path, f"{draft_path}/send", {"site_types": ["school"]})
    assert review.status_code == 200
    page = html(review)
    assert page.find("section", id="summary").find(id="summary-reach")
    assert _hidden(page)["site_types"] == ["school"]
    (draft,) = db_rows(settings, select(Alert))
    assert draft.state == "draft"
    carried = {k: v if len(v) > 1 else v[0] for k, v in _hidden(page).items()}
    sent = client.post(
        f"{draft_path}/send", data={**carried, "step": "send"}, follow_redirects=False
    )
    assert sent.status_code == 303
    (alert,) = db_rows(settings, select(Alert))
    assert alert.state == "sent" and alert.site_types == '["school"]'
