"""E-mail through the outbox to a real SMTP server (aiosmtpd): invitations and password resets."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core import jobs, mail
from vigil.core.auth import verify_password
from vigil.core.config import Settings
from vigil.core.db import transaction, utcnow
from vigil.core.policy import Role
from vigil.core.signed_links import LinkRefused, Refusal
from vigil.orgs import accounts, passwords
from vigil.orgs.models import Membership
from vigil.orgs.principals import find_web_session
from vigil.worker import run_worker

NEW_PASSWORD = "a new and long passphrase"


class Inbox:
    """aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _link_token(message: EmailMessage, path: str) -> str:
    found = re.search(rf"{path}/([A-Za-z0-9_.-]+)", _body(message))
    assert found, f"no {path}/<token> link in: {_body(message)}"
    return found.group(1)


def _pending_mail(settings: Settings) -> list[dict[str, Any]]:
    with transaction(settings.sqlalchemy_url) as session:
        rows = session.scalars(
            select(jobs.Job.payload).where(
                jobs.Job.kind == mail.SEND_EMAIL, jobs.Job.status == jobs.PENDING
            )
        ).all()
    return [json.loads(r) for r in rows]


def test_invitation_is_mailed_by_the_worker_and_its_link_creates_the_member(
    client: TestClient, committed: Session, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    org = make_org(committed)
    admin = make_person(committed, settings, org=org, role=Role.org_admin)
    headers = token_headers(committed, admin)
    committed.commit()

    response = client.post(
        f"/api/v1/organisations/{org.id}/invitations",
        headers=headers,
        json={"email": "New.Member@example.org", "role": "analyst"},
    )

    assert response.status_code == 202
    assert [p["to"] for p in _pending_mail(settings)] == ["new.member@example.org"]
    assert server.messages == [], "nothing is sent before the worker runs"

    assert run_worker(settings.model_copy(update={"smtp_port": port}), once=True) == 1

    [message] = server.to("new.member@example.org")
    assert org.name in message["Subject"]
    token = _link_token(message, "/invite")
    assert f"{settings.public_url}/invite/{token}" in _body(message)
    with transaction(settings.sqlalchemy_url) as session:
        person = accounts.accept_invitation(
            session=session,
            settings=settings,
            token=token,
            name="New Member",
            password=NEW_PASSWORD,
        )
        person_id = person.id
    with transaction(settings.sqlalchemy_url) as session:
        role = session.scalar(
            select(Membership.role).where(
                Membership.person_id == person_id, Membership.org_id == org.id
            )
        )
    assert role == Role.analyst.value
    assert _pending_mail(settings) == []


def test_password_reset_answers_alike_for_unknown_addresses_and_mails_only_the_known(
    client: TestClient, committed: Session, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    person = make_person(committed, settings, email="known@example.org")
    web_token = accounts.begin_login(session=committed, settings=settings, person=person)
    committed.commit()
    assert find_web_session(committed, web_token) is not None
    committed.rollback()

    known = client.post("/api/v1/password-reset", json={"email": "known@example.org"})
    unknown = client.post("/api/v1/password-reset", json={"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert run_worker(settings.model_copy(update={"smtp_port": port}), once=True) == 1
    assert [m["To"] for m in server.messages] == ["known@example.org"]

    token = _link_token(server.messages[0], "/password-reset")
    with transaction(settings.sqlalchemy_url) as session:
        passwords.complete_password_reset(
            session=session, settings=settings, token=token, password=NEW_PASSWORD
        )
    with transaction(settings.sqlalchemy_url) as session:
        changed = accounts.person_by_email(session, "known@example.org")
        assert changed is not None
        assert verify_password(changed.password_hash, NEW_PASSWORD, settings)
        assert find_web_session(session, web_token) is None, "old sessions end with a reset"
    with pytest.raises(LinkRefused) as used, transaction(settings.sqlalchemy_url) as session:
        passwords.complete_password_reset(
            session=session, settings=settings, token=token, password="yet another passphrase"
        )
    assert used.value.reason == Refusal.used


def test_mail_is_retried_not_lost_while_the_smtp_server_is_down(
    committed: Session, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    with transaction(settings.sqlalchemy_url) as session:
        job = mail.queue_email(session, to="someone@example.org", subject="Hello", text="Body")
        session.flush()
        job_id = job.id
    down = settings.model_copy(update={"smtp_port": _free_port()})

    started = utcnow()
    assert run_worker(down, once=True) == 1

    with transaction(settings.sqlalchemy_url) as session:
        failed = session.get(jobs.Job, job_id)
        assert failed is not None
        assert failed.status == jobs.PENDING
        assert failed.attempts == 1
        assert "ConnectionRefusedError" in failed.last_error
        # Measured from before the run: a loaded machine may take longer than the wait.
        waited = failed.run_after - started
        assert waited >= dt.timedelta(seconds=jobs.BACKOFF_BASE_SECONDS / 2)
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.id == job_id)
            .values(run_after=utcnow() - dt.timedelta(seconds=1))
        )

    assert run_worker(settings.model_copy(update={"smtp_port": port}), once=True) == 1

    assert [m["Subject"] for m in server.to("someone@example.org")] == ["Hello"]
    with transaction(settings.sqlalchemy_url) as session:
        delivered = session.get(jobs.Job, job_id)
        assert delivered is not None
        assert (delivered.status, delivered.attempts) == (jobs.DONE, 2)
