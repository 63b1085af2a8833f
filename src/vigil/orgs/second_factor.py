"""The second factor (TOTP): setting it up on the account page and checking its code as the
second step of a sign-in. Apart from accounts, which only asks whether a person has it on."""

from __future__ import annotations

import pyotp
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.auth import check_login_throttle, record_login_attempt, verify_password
from vigil.core.config import Settings
from vigil.core.crypto import decrypt, encrypt
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, LoginFailed, NotFound, Unauthorized
from vigil.orgs.models import Person, WebSession


def start_totp_enrolment(*, session: Session, settings: Settings, person_id: int) -> str:
    """Store a new (not yet active) secret and return its otpauth:// URI for the QR code."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("No such person.")
    secret = pyotp.random_base32()
    person.totp_secret_encrypted = encrypt(
        secret, keys=settings.encryption_keys, secret_key=settings.secret_key
    )
    person.totp_enabled = False
    return pyotp.TOTP(secret).provisioning_uri(name=person.email, issuer_name="Vigil")


def pending_totp_uri(*, session: Session, settings: Settings, person_id: int) -> str | None:
    """The otpauth:// URI of a second factor being set up (stored, not yet confirmed), so the
    set-up page can show its QR code again until the person confirms a code."""
    person = session.get(Person, person_id)
    if person is None or person.totp_enabled or not person.totp_secret_encrypted:
        return None
    secret = decrypt(
        person.totp_secret_encrypted, keys=settings.encryption_keys, secret_key=settings.secret_key
    )
    return pyotp.TOTP(secret).provisioning_uri(name=person.email, issuer_name="Vigil")


def confirm_totp(*, session: Session, settings: Settings, person_id: int, code: str) -> None:
    person = session.get(Person, person_id)
    if person is None or not person.totp_secret_encrypted:
        raise Invalid("code", "start the set-up of the second factor first")
    secret = decrypt(
        person.totp_secret_encrypted, keys=settings.encryption_keys, secret_key=settings.secret_key
    )
    if not pyotp.TOTP(secret).verify(code.strip(), valid_window=1):
        raise Invalid("code", "the code does not match; check your app's clock and try again")
    person.totp_enabled = True
    audit.record(
        session,
        action="totp.enable",
        actor_id=person.id,
        actor=person.email,
        target_type="person",
        target_id=person.id,
    )


def disable_totp(*, session: Session, settings: Settings, person_id: int, password: str) -> None:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("No such person.")
    if not verify_password(person.password_hash, password, settings):
        raise Invalid("password", "enter your current password to turn the second factor off")
    person.totp_enabled = False
    person.totp_secret_encrypted = None
    audit.record(
        session,
        action="totp.disable",
        actor_id=person.id,
        actor=person.email,
        target_type="person",
        target_id=person.id,
    )


def verify_totp(
    *, session: Session, settings: Settings, person: Person, code: str, ip: str
) -> None:
    """Second step of a sign-in; throttled and audited like the password step."""
    check_login_throttle(session, email=person.email, ip=ip, settings=settings)
    secret = decrypt(
        person.totp_secret_encrypted or "",
        keys=settings.encryption_keys,
        secret_key=settings.secret_key,
    )
    ok = pyotp.TOTP(secret).verify(code.strip(), valid_window=1)
    record_login_attempt(
        session, email=person.email, ip=ip, succeeded=ok, settings=settings, person_id=person.id
    )
    audit.record(
        session,
        action="login.totp_success" if ok else "login.totp_failure",
        actor_id=person.id,
        actor=person.email,
        target_type="person",
        target_id=person.id,
        ip=ip,
    )
    if not ok:
        raise LoginFailed("The code is not right. Use the current code from your app.")


def complete_totp(
    *, session: Session, settings: Settings, web: WebSession, code: str, ip: str
) -> None:
    person = session.get(Person, web.person_id)
    if person is None or not person.totp_secret_encrypted:
        raise Unauthorized("Sign in again.")
    verify_totp(session=session, settings=settings, person=person, code=code, ip=ip)
    web.awaiting_totp = False
    person.last_login_at = utcnow()
