"""E-mails in the language of the one who receives them, read from a real SMTP server
(aiosmtpd): a password reset in the person's language, an invitation in the inviting
organisation's default (the invitee has no account yet) or in the invitee's own language
(they have one), with times in their locale's format and zone.

The subjects and the invitation's role line are msgids translated in the catalogues today;
the other sentences are new (see the lead's list): their tests check the language through the
translated lines."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.alerts.receivers import Inbox, smtp_server
from tests.html import submit
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.models import Invitation, PasswordReset
from vigil.worker import run_worker


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


def _deliver(settings: Settings, inbox: tuple[Inbox, int], to: str) -> EmailMessage:
    run_worker(settings.model_copy(update={"smtp_port": inbox[1]}), once=True)
    found = [m for m in inbox[0].all() if m["To"] == to]
    assert len(found) == 1, [m["To"] for m in inbox[0].all()]
    return found[0]


def _local(moment: dt.datetime, zone: str) -> dt.datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(zone))


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_password_reset_for_a_czech_person_arrives_in_czech(
    client: TestClient, committed: Session, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    org = make_org(committed, country="CZ")
    person = make_person(committed, settings, org=org)
    person.locale = "cs"
    english = make_person(committed, settings, org=org)
    committed.commit()

    for who in (person, english):
        assert submit(client, "/password-reset", "/password-reset", {"email": who.email}).is_success

    czech = _deliver(settings, inbox, person.email)
    assert str(czech["Subject"]) == "Obnovit heslo · Vigil"
    text = _text(czech)
    assert re.search(r"/password-reset/\S+", text)
    expires = committed.scalar(
        select(PasswordReset.expires_at).where(PasswordReset.person_id == person.id)
    )
    assert expires is not None
    # The expiry in Czech form (day. month. year) in the organisation's country's zone.
    local = _local(expires, "Europe/Prague")
    assert f"{local.day}. {local.month}. {local.year} {local.hour}:{local.minute:02d}" in text
    assert "(Europe/Prague)" in text

    other = [m for m in inbox[0].all() if m["To"] == english.email]
    assert [str(m["Subject"]) for m in other] == ["Reset your password · Vigil"]


def test_an_invitation_arrives_in_the_inviting_organisations_language(
    client: TestClient, committed: Session, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    org = make_org(committed, country="DE")
    org.default_locale = "de"
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    headers = token_headers(committed, admin)
    committed.commit()

    response = client.post(
        f"/api/v1/organisations/{org.id}/invitations",
        headers=headers,
        json={"email": "neu@example.org", "role": "coordinator"},
    )
    assert response.status_code == 202

    message = _deliver(settings, inbox, "neu@example.org")
    assert str(message["Subject"]) == f"{org.name} beitreten · Vigil"
    text = _text(message)
    assert "Sie sind als Koordinator eingeladen, mit der E-Mail-Adresse neu@example.org." in text
    assert "/invite/" in text
    assert "(Europe/Berlin)" in text
    expires = committed.scalar(select(Invitation.expires_at).where(Invitation.org_id == org.id))
    assert expires is not None
    local = _local(expires, "Europe/Berlin")
    assert f"{local:%d.%m.%Y, %H:%M}" in text  # the German form, in the German zone


def test_an_invitee_with_an_account_reads_it_in_their_own_language(
    client: TestClient, committed: Session, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    org = make_org(committed, country="DE")
    org.default_locale = "de"
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    headers = token_headers(committed, admin)
    invitee = make_person(committed, settings, org=make_org(committed, country="CZ"))
    invitee.locale = "cs"
    committed.commit()

    response = client.post(
        f"/api/v1/organisations/{org.id}/invitations",
        headers=headers,
        json={"email": invitee.email, "role": "coordinator"},
    )
    assert response.status_code == 202

    message = _deliver(settings, inbox, invitee.email)
    assert str(message["Subject"]) == f"Připojit se k {org.name} · Vigil"
    assert f"Jste pozváni jako Koordinátor s e-mailovou adresou {invitee.email}." in _text(message)
