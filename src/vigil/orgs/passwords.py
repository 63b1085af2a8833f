"""Passwords: changing your own (knowing the current one) and resetting a forgotten one by a
mailed link (in the person's language, orgs.mails); either ends the person's other browser
sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.auth import (
    check_login_throttle,
    check_password_policy,
    hash_password,
    record_login_attempt,
    verify_password,
)
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, Invalid
from vigil.core.policy import Principal
from vigil.core.signed_links import LinkRefused, Refusal
from vigil.orgs import accounts, mails
from vigil.orgs.links import RESET_LINK, find_password_reset, new_link
from vigil.orgs.models import PasswordReset, Person

RESET_HOURS = 2


class WrongPassword(Invalid):
    """A wrong current password: the failed attempt is kept (counted for throttling, audited)."""

    keep_changes = True


def change_password(
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    current_password: str,
    new_password: str,
    ip: str,
    keep_web_session_id: int | None,
) -> None:
    """Change your password, knowing the current one; your other browser sessions end.

    A wrong current password is throttled and audited like a failed sign-in, so a session left
    open on a shared computer cannot be used to guess the password.
    """
    person = accounts.signed_in_person(session, principal)
    check_login_throttle(session, email=person.email, ip=ip, settings=settings)
    if not verify_password(person.password_hash, current_password, settings):
        record_login_attempt(
            session,
            email=person.email,
            ip=ip,
            succeeded=False,
            settings=settings,
            person_id=person.id,
        )
        audit.log_action(
            session,
            principal,
            "password.change_failure",
            target_type="person",
            target_id=person.id,
            ip=ip,
        )
        raise WrongPassword("current_password", "is not your current password")
    check_password_policy(new_password, email=person.email, field="new_password")
    if current_password == new_password:
        raise Invalid("new_password", "must differ from your current password")
    person.password_hash = hash_password(new_password, settings)
    ended = accounts.end_web_sessions(session, person.id, keep=keep_web_session_id)
    audit.log_action(
        session,
        principal,
        "password.change",
        target_type="person",
        target_id=person.id,
        ip=ip,
        detail={"other_sessions_ended": ended},
    )


def request_password_reset(*, session: Session, settings: Settings, email: str) -> None:
    """Mail a reset link if the account exists; the caller answers the same either way."""
    person = accounts.person_by_email(session, email)
    if person is None or not person.is_active:
        return
    if accounts.password_free_org(session, person.email) is not None:
        audit.record(
            session, action="password.reset_refused", target_type="person", target_id=person.id
        )
        return
    expires = utcnow() + dt.timedelta(hours=RESET_HOURS)
    token, hashed = new_link(secret_key=settings.secret_key, purpose=RESET_LINK, expires=expires)
    session.add(PasswordReset(person_id=person.id, token_hash=hashed, expires_at=expires))
    mails.queue_reset_mail(
        session,
        person_id=person.id,
        to=person.email,
        link=f"{settings.public_url}/password-reset/{token}",
        expires=expires,
        hours=RESET_HOURS,
    )
    audit.record(
        session, action="password.reset_requested", target_type="person", target_id=person.id
    )


def complete_password_reset(
    *, session: Session, settings: Settings, token: str, password: str
) -> Person:
    """Set the new password: every open reset link of the person is used up, every session ends."""
    reset = find_password_reset(session, token, secret_key=settings.secret_key, lock=True)
    person = session.get(Person, reset.person_id)
    if person is None:
        raise LinkRefused(Refusal.unknown)
    password_free = accounts.password_free_org(session, person.email)
    if password_free is not None:
        raise Forbidden(
            "%(org)s signs its members in through its identity provider: there is no password "
            "to reset.",
            org=password_free.name,
        )
    check_password_policy(password, email=person.email)
    person.password_hash = hash_password(password, settings)
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.person_id == person.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    accounts.end_web_sessions(session, person.id)
    audit.record(
        session,
        action="password.reset",
        actor_id=person.id,
        actor=person.email,
        target_type="person",
        target_id=person.id,
    )
    return person
