"""An alert that expired, was cancelled or was replaced by an Update takes no more answers from
people signed in either: the API says why with a 409, the alert's page hides its answer buttons
and says why, nothing is recorded, and its unanswered sites are not escalated any more."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.alerts.factories import World, alert_input, build_world, send
from tests.alerts.receivers import Inbox
from tests.conftest import base_settings
from tests.html import db_rows, html, sign_in, submit
from tests.orgs.factories import token_headers
from vigil.alerts import fanout, service
from vigil.alerts.models import Acknowledgement, Alert, AlertSite, Delivery
from vigil.alerts.schemas import AlertChange
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.orgs.models import Person
from vigil.worker import run_worker

CLOSINGS = ("Cancel", "Update", "expiry")


@pytest.fixture
def settings(db_url: str, tmp_path: Path, inbox: tuple[Inbox, int]) -> Settings:
    return base_settings(db_url, tmp_path / "data", smtp_port=inbox[1], alert_escalation_minutes=10)


@pytest.fixture
def world(settings: Settings) -> World:
    # Green sites: the coordinator's page shows the peer's site on the board too.
    return build_world(settings, sites=3, contacts=2, site_tlp="green")


def _member_headers(settings: Settings, world: World) -> dict[str, str]:
    with transaction(settings.sqlalchemy_url) as session:
        member = session.get(Person, world.member_id)
        assert member is not None
        return token_headers(session, member)


def _email_of(settings: Settings, person_id: int) -> str:
    (person,) = db_rows(settings, select(Person).where(Person.id == person_id))
    return str(person.email)


def _follow_up(settings: Settings, world: World, alert_id: int, msg_type: str) -> Alert:
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
        session.expunge(message)
        return message


def _closed_alert(settings: Settings, world: World, closing: str) -> tuple[int, Alert | None]:
    """A sent alert closed by `closing`, and the follow-up message that closed it (if any)."""
    if closing == "expiry":
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        alert_id = send(
            settings,
            world,
            effective=now - dt.timedelta(hours=3),
            expires=now - dt.timedelta(hours=1),
            confirm_expired=True,
        )
        return alert_id, None
    alert_id = send(settings, world)
    return alert_id, _follow_up(settings, world, alert_id, closing)


def _nothing_recorded(settings: Settings, alert_id: int) -> None:
    assert (
        db_rows(settings, select(Acknowledgement).where(Acknowledgement.alert_id == alert_id)) == []
    )
    reached = db_rows(settings, select(AlertSite).where(AlertSite.alert_id == alert_id))
    assert reached and all(s.acknowledged_at is None for s in reached)


def _utc(moment: dt.datetime) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def test_the_api_answers_409_to_an_answer_for_a_cancelled_alert_saying_when(
    client: TestClient, settings: Settings, world: World
) -> None:
    alert_id, cancel = _closed_alert(settings, world, "Cancel")
    assert cancel is not None and cancel.sent_at is not None
    response = client.post(
        f"/api/v1/alerts/{alert_id}/acknowledgements",
        json={"answer": "need_help"},
        headers=_member_headers(settings, world),
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert detail == f"This alert was cancelled at {_utc(cancel.sent_at)}; no answer is needed."
    _nothing_recorded(settings, alert_id)


def test_the_api_refuses_an_answer_for_a_replaced_alert_and_names_the_update(
    client: TestClient, settings: Settings, world: World
) -> None:
    alert_id, follow_up = _closed_alert(settings, world, "Update")
    assert follow_up is not None
    headers = _member_headers(settings, world)
    response = client.post(
        f"/api/v1/alerts/{alert_id}/acknowledgements", json={"answer": "acting"}, headers=headers
    )
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail.startswith("This alert was replaced by an update: answer that one")
    assert f"alert {follow_up.id}" in detail
    assert response.headers["link"] == f'</api/v1/alerts/{follow_up.id}>; rel="successor-version"'
    _nothing_recorded(settings, alert_id)

    answered = client.post(
        f"/api/v1/alerts/{follow_up.id}/acknowledgements",
        json={"answer": "acting"},
        headers=headers,
    )
    assert answered.status_code == 201, answered.text


def test_the_api_refuses_an_answer_for_an_expired_alert_saying_when(
    client: TestClient, settings: Settings, world: World
) -> None:
    alert_id, _ = _closed_alert(settings, world, "expiry")
    (alert,) = db_rows(settings, select(Alert).where(Alert.id == alert_id))
    assert alert.expires is not None
    response = client.post(
        f"/api/v1/alerts/{alert_id}/acknowledgements",
        json={"answer": "received"},
        headers=_member_headers(settings, world),
    )
    assert response.status_code == 409, response.text
    assert response.json()["detail"] == (
        f"This alert expired at {_utc(alert.expires)}; no answer is needed."
    )
    _nothing_recorded(settings, alert_id)


def test_a_cancellation_itself_takes_no_answer_and_a_draft_none_yet(
    client: TestClient, settings: Settings, world: World
) -> None:
    _, cancel = _closed_alert(settings, world, "Cancel")
    assert cancel is not None
    headers = _member_headers(settings, world)
    response = client.post(
        f"/api/v1/alerts/{cancel.id}/acknowledgements", json={"answer": "received"}, headers=headers
    )
    assert response.status_code == 409, response.text
    assert "cancels an earlier alert" in response.json()["detail"]
    _nothing_recorded(settings, cancel.id)

    with transaction(settings.sqlalchemy_url) as session:
        draft = service.create_alert(
            session=session,
            principal=world.principal(session),
            settings=settings,
            data=alert_input(),
        )
        draft_id = draft.id
    with transaction(settings.sqlalchemy_url) as session:
        coordinator = session.get(Person, world.coordinator_id)
        assert coordinator is not None
        coordinator_headers = token_headers(session, coordinator)
    response = client.post(
        f"/api/v1/alerts/{draft_id}/acknowledgements",
        json={"answer": "received"},
        headers=coordinator_headers,
    )
    assert response.status_code == 409, response.text
    assert "draft" in response.json()["detail"]
    assert db_rows(settings, select(Acknowledgement)) == []


@pytest.mark.parametrize(
    ("closing", "words"),
    [
        ("Cancel", "This alert was cancelled at"),
        ("Update", "This alert was replaced by an update at"),
        ("expiry", "This alert expired at"),
    ],
)
def test_the_page_of_a_closed_alert_hides_the_answer_buttons_says_why_and_records_nothing(
    client: TestClient, settings: Settings, world: World, closing: str, words: str
) -> None:
    alert_id, follow_up = _closed_alert(settings, world, closing)
    alert_path = f"/alerts/{alert_id}"
    sign_in(client, _email_of(settings, world.member_id))

    page = html(client.get(alert_path))
    assert page.find_all("section", aria_labelledby="answer-heading") == []
    assert page.find_all("button", name="answer") == []
    note = page.find(id="answers-closed")
    assert note.text.startswith(words)
    if closing == "Update":
        assert follow_up is not None
        assert note.find("a").attrs["href"] == f"/alerts/{follow_up.id}"

    # An answer posted anyway (a page left open since before): refused, and the page says why.
    refused = submit(client, alert_path, f"{alert_path}/acknowledge", {"answer": "need_help"})
    assert refused.status_code == 303
    assert refused.headers["location"] == alert_path
    shown = html(client.get(alert_path))
    flash = shown.find("div", class_="flash")
    assert "flash-error" in flash.attrs["class"].split()
    assert flash.text == "Your answer was not recorded: this alert no longer takes answers."
    assert shown.find(id="answers-closed").text.startswith(words)
    _nothing_recorded(settings, alert_id)


def test_the_page_of_a_current_alert_still_takes_answers(
    client: TestClient, settings: Settings, world: World
) -> None:
    alert_id = send(settings, world)
    alert_path = f"/alerts/{alert_id}"
    sign_in(client, _email_of(settings, world.member_id))
    page = html(client.get(alert_path))
    assert page.find_all(id="answers-closed") == []
    buttons = page.find("section", aria_labelledby="answer-heading").find_all("button")
    assert [b.attrs["value"] for b in buttons] == ["received", "acting", "need_help"]
    answered = submit(client, alert_path, f"{alert_path}/acknowledge", {"answer": "acting"})
    assert answered.status_code == 303
    assert [a.answer for a in db_rows(settings, select(Acknowledgement))] == ["acting"]


@pytest.mark.parametrize("closing", CLOSINGS)
def test_unanswered_sites_of_a_closed_alert_are_not_escalated(
    settings: Settings, world: World, inbox: tuple[Inbox, int], closing: str
) -> None:
    alert_id = send(settings, world)
    run_worker(settings, once=True)
    if closing == "expiry":  # sent current, then its expiry passed before anyone answered
        with transaction(settings.sqlalchemy_url) as session:
            past = utcnow() - dt.timedelta(minutes=1)
            session.execute(
                update(Alert)
                .where(Alert.id == alert_id)
                .values(effective=past - dt.timedelta(hours=1), expires=past)
            )
    else:
        _follow_up(settings, world, alert_id, closing)
    after = dt.timedelta(minutes=10)
    with transaction(settings.sqlalchemy_url) as session:
        # Nobody answered in ten minutes (moved back in time rather than waited for).
        session.execute(
            update(AlertSite)
            .where(AlertSite.alert_id == alert_id)
            .values(escalate_at=utcnow() - dt.timedelta(seconds=1))
        )
        fanout.escalate_due(session, now=utcnow(), escalate_after=after)
        count = session.scalar(
            select(func.count()).where(
                Delivery.alert_id == alert_id, Delivery.contact_id.is_not(None)
            )
        )
        levels = session.scalars(
            select(AlertSite.contact_level).where(AlertSite.alert_id == alert_id)
        ).all()
    assert count == 3  # the three sites' first contacts only
    assert set(levels) == {1}
    run_worker(settings, once=True)
    to = [str(m["To"]) for m in inbox[0].all()]
    assert not any("-contact2@" in t for t in to)
