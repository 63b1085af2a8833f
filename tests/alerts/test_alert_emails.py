"""What alert e-mails say, read from a real SMTP server (aiosmtpd): the CAP codes in the words
the alert's page shows, and a Cancel that says the earlier alert is cancelled and carries no
answer link."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.alerts.factories import World, build_world, send
from tests.alerts.receivers import Inbox
from tests.conftest import base_settings
from tests.html import Node, db_rows, html, parse, sign_in
from vigil.alerts import service
from vigil.alerts.links import answer_token
from vigil.alerts.models import Alert, Delivery
from vigil.alerts.schemas import AlertChange
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.mail import moment
from vigil.orgs.models import Person
from vigil.worker import run_worker


@pytest.fixture
def settings(db_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Settings:
    return base_settings(db_url, tmp_path / "data", smtp_port=inbox[1])


def _parts(message: EmailMessage) -> tuple[str, Node]:
    """The plain text of an e-mail, and its HTML as a tree."""
    text = message.get_body(preferencelist=("plain",))
    markup = message.get_body(preferencelist=("html",))
    assert text is not None and markup is not None
    return text.get_content(), parse(markup.get_content())


def _mails(inbox: tuple[Inbox, int], subject: str) -> list[EmailMessage]:
    found = [m for m in inbox[0].all() if subject in str(m["Subject"])]
    assert found, [str(m["Subject"]) for m in inbox[0].all()]
    return found


def _cancel(settings: Settings, world: World, alert_id: int, instruction: str = "") -> int:
    with transaction(settings.sqlalchemy_url) as session:
        message, _ = service.follow_up(
            session=session,
            principal=world.principal(session),
            settings=settings,
            alert_id=alert_id,
            msg_type="Cancel",
            change=AlertChange(instruction=instruction) if instruction else None,
        )
        return message.id


def _words_on_the_page(page: Node, field: str) -> str:
    """The words the alert page shows for a CAP field, without the code printed beside them."""
    label = page.find(id=f"alert-{field}").find("span", class_="cap-label")
    return " ".join(" ".join(c for c in label.children if isinstance(c, str)).split())


def test_alert_emails_show_the_cap_codes_in_the_words_of_the_alert_page(
    client: TestClient, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=1, contacts=1)
    alert_id = send(settings, world, urgency="Immediate", severity="Severe", certainty="Likely")
    run_worker(settings, once=True)
    (coordinator,) = db_rows(settings, select(Person).where(Person.id == world.coordinator_id))
    sign_in(client, coordinator.email)
    page = html(client.get(f"/alerts/{alert_id}"))
    shown = {f: _words_on_the_page(page, f) for f in ("severity", "urgency", "certainty")}
    assert shown["severity"] == "Severe — significant threat to life or property"

    messages = _mails(inbox, "[Vigil alert]")
    for message in messages:
        assert str(message["Subject"]) == "[Vigil alert] Severe - Shots fired near Stephansplatz"
        text, markup = _parts(message)
        lines = text.splitlines()
        facts = markup.find("p").text  # the lines under the title
        for field, words in shown.items():
            assert f"{field.capitalize()}: {words}" in lines
            assert f"{field.capitalize()}: {words}" in facts
        assert "Response: Shelter — take shelter where you are" in lines


def test_a_cancel_email_says_the_alert_is_cancelled_and_carries_no_answer_link(
    client: TestClient, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=1, contacts=1)
    alert_id = send(settings, world)
    cancel_id = _cancel(settings, world, alert_id)
    run_worker(settings, once=True)
    (alert,) = db_rows(settings, select(Alert).where(Alert.id == alert_id))
    assert alert.sent_at is not None
    # in the contact's language and zone: their site's organisation's (English; German zone)
    sent = moment(alert.sent_at, locale="en", zone="Europe/Berlin")

    messages = _mails(inbox, "Cancelled:")
    for message in messages:
        assert str(message["Subject"]) == "[Vigil alert] Cancelled: Shots fired near Stephansplatz"
        text, markup = _parts(message)
        first = f"CANCELLED: the alert below, sent at {sent}, is cancelled. No answer is needed."
        assert text.splitlines()[0] == first
        assert markup.find("p").text == first
        assert "/alerts/ack/" not in text
        assert markup.find_all("a") == []
        # The cancelled alert's instruction and severity are not repeated as if they stood.
        assert "Lock the doors" not in text and "Lock the doors" not in markup.text
        assert "Severity:" not in text
        assert "Response: All clear — the threat is over" in text.splitlines()

    # A link made for a Cancel's delivery anyway (an older e-mail) is refused.
    (delivery,) = db_rows(
        settings,
        select(Delivery).where(Delivery.alert_id == cancel_id, Delivery.contact_id.is_not(None)),
    )
    (cancel,) = db_rows(settings, select(Alert).where(Alert.id == cancel_id))
    refused = client.get(f"/alerts/ack/{answer_token(settings.secret_key, delivery.id, cancel)}")
    assert refused.status_code == 410
    assert html(refused).find("h1").text == "This alert was cancelled"


def test_a_cancel_email_gives_what_to_do_now_when_the_sender_said(
    settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=1, contacts=1)
    alert_id = send(settings, world)
    _cancel(settings, world, alert_id, instruction="The police gave the all clear: reopen.")
    run_worker(settings, once=True)
    for message in _mails(inbox, "Cancelled:"):
        text, markup = _parts(message)
        lines = text.splitlines()
        assert lines[lines.index("What to do now:") + 1] == "The police gave the all clear: reopen."
        assert markup.find("h2").text == "What to do now"
        assert "/alerts/ack/" not in text


def test_an_update_email_still_carries_its_answer_link(
    settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=1, contacts=1)
    alert_id = send(settings, world)
    with transaction(settings.sqlalchemy_url) as session:
        service.follow_up(
            session=session,
            principal=world.principal(session),
            settings=settings,
            alert_id=alert_id,
            msg_type="Update",
            change=AlertChange(instruction="Police on site; stay inside."),
        )
    run_worker(settings, once=True)
    for message in _mails(inbox, "Update:"):
        assert str(message["Subject"]).startswith("[Vigil alert] Update: Extreme - ")
        text, markup = _parts(message)
        assert "/alerts/ack/alert." in markup.find("a").attrs["href"]
        assert "Severity: Extreme — extraordinary threat to life or property" in text.splitlines()
