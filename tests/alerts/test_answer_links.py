"""An alert e-mail's answer link, followed as the mail gives it (real SMTP server): it answers
while its alert is current, and is refused with a page saying why, recording nothing, once the
alert expired, was cancelled or was replaced by an Update, or when its expiry was tampered with.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.alerts.factories import World, build_world, send
from tests.alerts.receivers import Inbox
from tests.conftest import base_settings
from tests.html import csrf_of, db_rows, html
from vigil.alerts import service
from vigil.alerts.models import Acknowledgement, Alert, AlertSite
from vigil.alerts.schemas import AlertChange
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.worker import run_worker


@pytest.fixture
def settings(db_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Settings:
    return base_settings(db_url, tmp_path / "data", smtp_port=inbox[1])


def _mailed_links(settings: Settings, inbox: tuple[Inbox, int], subject: str = "") -> list[str]:
    """Send what is queued, then the answer link of every alert e-mail whose subject holds
    `subject`, as a path."""
    run_worker(settings, once=True)
    links = []
    for message in inbox[0].all():
        if subject not in str(message["Subject"]):
            continue
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        found = re.search(rf"{re.escape(settings.public_url)}(/alerts/ack/\S+)", body.get_content())
        assert found, body.get_content()
        links.append(found.group(1))
    assert links
    return links


def _answer(client: TestClient, link: str, answer: str = "acting") -> httpx.Response:
    """Post an answer as the link's page would; the CSRF token comes from any page when the
    link's own page has no form."""
    token = csrf_of(html(client.get("/login")))
    return client.post(link, data={"csrf_token": token, "answer": answer})


def _answers(settings: Settings) -> list[Acknowledgement]:
    return db_rows(settings, select(Acknowledgement))


def _follow_up(settings: Settings, world: World, alert_id: int, msg_type: str) -> int:
    with transaction(settings.sqlalchemy_url) as session:
        message, _ = service.follow_up(
            session=session,
            principal=world.principal(session),
            settings=settings,
            alert_id=alert_id,
            msg_type=msg_type,
            change=AlertChange(instruction="Police on site; stay inside.")
            if msg_type == "Update"
            else None,
        )
        return message.id


def _refusal(response: httpx.Response) -> tuple[int, str, str]:
    page = html(response)
    return response.status_code, page.find("h1").text, page.find("main").text


def test_a_current_alert_link_answers_and_a_tampered_expiry_is_refused(
    client: TestClient, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=1, contacts=1)
    send(settings, world)
    (link,) = _mailed_links(settings, inbox)
    purpose, subject, expires, mac = link.removeprefix("/alerts/ack/").split(".")
    later = str(int(expires) + 30 * 86400)
    tampered = f"/alerts/ack/{purpose}.{subject}.{later}.{mac}"

    status, heading, _ = _refusal(client.get(tampered))
    assert (status, heading) == (404, "This answer link is not valid")
    assert _answer(client, tampered).status_code == 404
    assert _answers(settings) == []

    assert client.get(link).status_code == 200
    answered = _answer(client, link, "need_help")
    assert answered.status_code == 200
    assert [(a.answer, a.via) for a in _answers(settings)] == [("need_help", "email")]


def test_the_link_of_an_expired_alert_is_refused_and_records_nothing(
    client: TestClient, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=1, contacts=1)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    send(
        settings,
        world,
        effective=now - dt.timedelta(hours=3),
        expires=now - dt.timedelta(hours=1),
        confirm_expired=True,
    )
    (link,) = _mailed_links(settings, inbox)

    status, heading, text = _refusal(client.get(link))
    assert (status, heading) == (410, "This alert has expired")
    assert "no answer is needed" in text
    status, heading, _ = _refusal(_answer(client, link))
    assert (status, heading) == (410, "This alert has expired")
    assert _answers(settings) == []
    assert [s.acknowledged_at for s in db_rows(settings, select(AlertSite))] == [None]


def test_the_link_of_a_cancelled_alert_says_when_it_was_cancelled(
    client: TestClient, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=1, contacts=1)
    alert_id = send(settings, world)
    (link,) = _mailed_links(settings, inbox)
    cancel_id = _follow_up(settings, world, alert_id, "Cancel")
    (cancel,) = db_rows(settings, select(Alert).where(Alert.id == cancel_id))

    response = client.get(link)
    status, heading, text = _refusal(response)
    assert (status, heading) == (410, "This alert was cancelled")
    assert cancel.sent_at is not None
    # An anonymous page: UTC, named, as English is written in Europe (day first, 24 hours).
    at = cancel.sent_at.astimezone(dt.UTC)
    shown = html(response).find("main").find("time")
    assert shown.text == f"{at.day} {at:%b %Y, %H:%M} UTC"
    assert shown.attrs["datetime"] == at.isoformat(timespec="seconds").replace("+00:00", "Z")
    assert "It was cancelled at" in text and "; no answer is needed" in text
    assert _answer(client, link).status_code == 410
    assert _answers(settings) == []


def test_the_link_of_an_alert_replaced_by_an_update_is_refused_and_the_updates_answers(
    client: TestClient, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    world = build_world(settings, sites=1, contacts=1)
    alert_id = send(settings, world)
    (link,) = _mailed_links(settings, inbox)
    update_id = _follow_up(settings, world, alert_id, "Update")

    status, heading, text = _refusal(client.get(link))
    assert (status, heading) == (410, "This alert was replaced by an update")
    assert "update" in text
    assert _answer(client, link).status_code == 410
    assert _answers(settings) == []

    (update_link,) = _mailed_links(settings, inbox, subject="Update:")
    assert _answer(client, update_link, "received").status_code == 200
    assert [(a.alert_id, a.answer) for a in _answers(settings)] == [(update_id, "received")]


def test_an_alert_without_expiry_gives_links_the_default_lifetime(
    settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    from vigil.alerts.links import ANSWER_LINK_DEFAULT_DAYS, PURPOSE
    from vigil.core import signed_links

    world = build_world(settings, sites=1, contacts=1)
    alert_id = send(settings, world, expires=None)
    (link,) = _mailed_links(settings, inbox)
    (alert,) = db_rows(settings, select(Alert).where(Alert.id == alert_id))

    signed = signed_links.verify(
        secret=settings.secret_key, token=link.removeprefix("/alerts/ack/"), purpose=PURPOSE
    )
    assert alert.sent_at is not None
    expected = alert.sent_at + dt.timedelta(days=ANSWER_LINK_DEFAULT_DAYS)
    assert abs(signed.expires - expected) < dt.timedelta(seconds=1)
