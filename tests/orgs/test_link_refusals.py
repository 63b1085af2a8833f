"""Invitation and password-reset links, followed as the e-mail gives them (real SMTP server):
an expired, used or tampered link is refused with a page that says what happened and what to do,
and changes nothing."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.core.test_mail import Inbox, inbox  # noqa: F401 - the SMTP server fixture
from tests.html import csrf_of, db_rows, html
from tests.orgs.factories import PASSWORD, make_org, make_person, token_headers
from vigil.core.auth import verify_password
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.core.policy import Role
from vigil.orgs.models import Invitation, Membership, PasswordReset, Person
from vigil.worker import run_worker

NEW_PASSWORD = "a brand new passphrase"


def _mailed_link(settings: Settings, smtp: tuple[Inbox, int], to: str, path: str) -> str:
    """Send what is queued; the newest `path` link mailed to `to`."""
    server, port = smtp
    run_worker(settings.model_copy(update={"smtp_port": port}), once=True)
    message: EmailMessage = server.to(to)[-1]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(rf"{re.escape(settings.public_url)}({path}/\S+)", body.get_content())
    assert found, body.get_content()
    return found.group(1)


def _post(client: TestClient, link: str, **data: str) -> httpx.Response:
    """Post the link's form as a browser would; the CSRF token comes from any page when the
    link's own page has no form."""
    token = csrf_of(html(client.get("/login")))
    return client.post(link, data={"csrf_token": token, **data}, follow_redirects=False)


def _refusal(response: httpx.Response) -> tuple[int, str, str]:
    page = html(response)
    return response.status_code, page.find("h1").text, page.find("main").text


def _tampered(link: str) -> str:
    """The link with its expiry pushed a year later and its signature kept."""
    head, token = link.rsplit("/", 1)
    purpose, subject, expires, mac = token.split(".")
    return f"{head}/{purpose}.{subject}.{int(expires) + 365 * 86400}.{mac}"


def _invite(client: TestClient, committed: Session, settings: Settings, email: str) -> int:
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    headers = token_headers(committed, admin)
    committed.commit()
    response = client.post(
        f"/api/v1/organisations/{org.id}/invitations",
        headers=headers,
        json={"email": email, "role": "analyst"},
    )
    assert response.status_code == 202, response.text
    return org.id


def _members(settings: Settings, org_id: int) -> list[Any]:
    return db_rows(settings, select(Membership.person_id).where(Membership.org_id == org_id))


def test_an_expired_invitation_says_so_and_adds_no_one(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    org_id = _invite(client, committed, settings, "late@example.org")
    link = _mailed_link(settings, inbox, "late@example.org", "/invite")
    members = _members(settings, org_id)
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(update(Invitation).values(expires_at=utcnow().replace(microsecond=0)))

    status, heading, text = _refusal(client.get(link))
    assert (status, heading) == (410, "This invitation has expired")
    assert "ask your organisation's admin for a new one" in text.lower()
    posted = _post(client, link, name="Late Comer", password=NEW_PASSWORD)
    assert _refusal(posted)[:2] == (410, "This invitation has expired")
    assert _members(settings, org_id) == members
    assert db_rows(settings, select(Person).where(Person.email == "late@example.org")) == []


def test_an_accepted_invitation_cannot_be_used_again_and_a_tampered_one_is_refused(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    org_id = _invite(client, committed, settings, "once@example.org")
    link = _mailed_link(settings, inbox, "once@example.org", "/invite")

    status, heading, _ = _refusal(client.get(_tampered(link)))
    assert (status, heading) == (404, "This invitation link is not valid")
    assert _post(client, _tampered(link), name="Once", password=NEW_PASSWORD).status_code == 404

    accepted = _post(client, link, name="Once", password=NEW_PASSWORD)
    assert accepted.headers["location"] == "/login"
    members = _members(settings, org_id)
    status, heading, text = _refusal(client.get(link))
    assert (status, heading) == (410, "This invitation was already accepted")
    assert "sign in" in text.lower()
    assert _post(client, link, name="Twice", password=NEW_PASSWORD).status_code == 410
    assert _members(settings, org_id) == members


def _request_reset(client: TestClient, settings: Settings, smtp: tuple[Inbox, int], to: str) -> str:
    response = client.post("/api/v1/password-reset", json={"email": to})
    assert response.status_code == 202
    return _mailed_link(settings, smtp, to, "/password-reset")


def _password_is(settings: Settings, email: str, password: str) -> bool:
    (person,) = db_rows(settings, select(Person).where(Person.email == email))
    return verify_password(person.password_hash, password, settings)


def test_an_expired_reset_link_says_so_and_keeps_the_password(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    person = make_person(committed, settings, email="slow@example.org")
    committed.commit()
    link = _request_reset(client, settings, inbox, person.email)
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(update(PasswordReset).values(expires_at=utcnow().replace(microsecond=0)))

    status, heading, text = _refusal(client.get(link))
    assert (status, heading) == (410, "This reset link has expired")
    assert html(client.get(link)).find("a", href="/password-reset").text == "Ask for a new link"
    assert _refusal(_post(client, link, password=NEW_PASSWORD))[:2] == (
        410,
        "This reset link has expired",
    )
    assert _password_is(settings, person.email, PASSWORD)


def test_a_reset_link_works_once_and_voids_the_older_ones_and_a_tampered_one_is_refused(
    client: TestClient,
    committed: Session,
    settings: Settings,
    inbox: tuple[Inbox, int],  # noqa: F811
) -> None:
    person = make_person(committed, settings, email="twice@example.org")
    committed.commit()
    older = _request_reset(client, settings, inbox, person.email)
    newer = _request_reset(client, settings, inbox, person.email)
    assert older != newer

    assert _refusal(client.get(_tampered(newer)))[:2] == (404, "This reset link is not valid")
    assert _post(client, _tampered(newer), password=NEW_PASSWORD).status_code == 404
    assert _password_is(settings, person.email, PASSWORD)

    assert client.get(newer).status_code == 200
    changed = _post(client, newer, password=NEW_PASSWORD)
    assert changed.headers["location"] == "/login"
    for used in (newer, older):
        status, heading, _ = _refusal(client.get(used))
        assert (status, heading) == (410, "This reset link was already used")
        assert _post(client, used, password="yet another passphrase").status_code == 410
    assert _password_is(settings, person.email, NEW_PASSWORD)
