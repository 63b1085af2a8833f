"""Signing in, the parts that need no person: password hashing and policy, login throttling.

Browser sessions, API tokens and the principal they sign in are the organisations domain's
(`vigil.orgs.principals`); core reaches them through `core.identity`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core import audit, metrics
from vigil.core.config import Settings
from vigil.core.db import Base, utcnow
from vigil.core.errors import Invalid, TooManyRequests
from vigil.core.ratelimit import prune_rows

log = logging.getLogger("vigil.auth")
SESSION_COOKIE = "vigil_session"
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 128
# Failed sign-ins from one address at any accounts are counted over this window.
LOGIN_ADDRESS_WINDOW = dt.timedelta(hours=1)
# The most common leaked passwords of 12+ characters; a longer list would be a data package.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "qwertyuiopas",
        "passwordpassword",
        "password1234",
        "password12345",
        "iloveyou1234",
        "qwerty123456",
        "111111111111",
        "000000000000",
        "abcdefghijkl",
        "aaaaaaaaaaaa",
        "letmeinletmein",
        "welcome12345",
        "administrator",
        "changemechangeme",
        "qwertyqwerty",
        "1q2w3e4r5t6y",
        "trustno1trustno1",
    }
)


class LoginAttempt(Base):
    """Failed and successful logins, counted for throttling; the e-mail is stored hashed."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    account: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool]


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def hash_password(password: str, settings: Settings) -> str:
    return _hasher(settings.argon2_time_cost, settings.argon2_memory_kib).hash(password)


def verify_password(stored: str, password: str, settings: Settings) -> bool:
    try:
        return _hasher(settings.argon2_time_cost, settings.argon2_memory_kib).verify(
            stored, password
        )
    except (VerificationError, InvalidHashError):
        return False


def check_password_policy(password: str, *, email: str = "", field: str = "password") -> None:
    """Length over complexity rules (NIST SP 800-63B): long, not common, not the e-mail."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise Invalid(field, "must be at least %(count)s characters long", count=MIN_PASSWORD_CHARS)
    if len(password) > MAX_PASSWORD_CHARS:
        raise Invalid(field, "must be at most %(count)s characters long", count=MAX_PASSWORD_CHARS)
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        raise Invalid(field, "is too common or too simple; use a passphrase of several words")
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in lowered:
        raise Invalid(field, "must not contain your e-mail address")


def account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def login_delay(failures: int, settings: Settings) -> dt.timedelta:
    """How long one address waits at one account after `failures` failed sign-ins there: not
    at all below LOGIN_MAX_FAILURES, then LOGIN_DELAY_SECONDS doubling with each further
    failure, up to LOGIN_MAX_DELAY_MINUTES."""
    if failures < settings.login_max_failures:
        return dt.timedelta(0)
    doublings = min(failures - settings.login_max_failures, 32)
    seconds = min(
        settings.login_delay_seconds * 2**doublings, settings.login_max_delay_minutes * 60
    )
    return dt.timedelta(seconds=seconds)


def _failures_at_account(
    session: Session, *, account: str, ip: str, settings: Settings
) -> tuple[int, dt.datetime | None]:
    """Failures of this address at this account still remembered and not cleared by a later
    success from the same address: how many, and the latest."""
    since = utcnow() - dt.timedelta(hours=settings.login_failure_memory_hours)
    pair = (LoginAttempt.account == account, LoginAttempt.ip == ip, LoginAttempt.at >= since)
    success = session.scalar(select(func.max(LoginAttempt.at)).where(*pair, LoginAttempt.succeeded))
    failed = [*pair, LoginAttempt.succeeded.is_(False)]
    if success is not None:
        failed.append(LoginAttempt.at > success)
    count, latest = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(*failed)
    ).one()
    return int(count), latest


def _failures_of_address(session: Session, *, ip: str) -> tuple[int, dt.datetime | None]:
    """Failures from this address at any account within LOGIN_ADDRESS_WINDOW: how many, and
    the oldest (when it leaves the window, the address may try again)."""
    count, oldest = session.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.ip == ip,
            LoginAttempt.at >= utcnow() - LOGIN_ADDRESS_WINDOW,
            LoginAttempt.succeeded.is_(False),
        )
    ).one()
    return int(count), oldest


def _seconds_until(moment: dt.datetime) -> int:
    return max(1, math.ceil((moment - utcnow()).total_seconds()))


def check_login_throttle(session: Session, *, email: str, ip: str, settings: Settings) -> None:
    """Refuse with 429 while this address must wait at this account, or has failed at too many
    accounts within the hour. Nothing here depends on whether the account exists, and no
    failure from one address ever holds up another address.
    """
    failed, oldest = _failures_of_address(session, ip=ip)
    if failed >= settings.login_address_max_failures and oldest is not None:
        raise TooManyRequests(
            "Too many failed sign-ins from your connection. Try again later.",
            retry_after=_seconds_until(oldest + LOGIN_ADDRESS_WINDOW),
        )
    failures, latest = _failures_at_account(
        session, account=account_key(email), ip=ip, settings=settings
    )
    if latest is not None and failures >= settings.login_max_failures:
        until = latest + login_delay(failures, settings)
        if until > utcnow():
            raise TooManyRequests(
                "Too many failed sign-in attempts from your connection. Try again later.",
                retry_after=_seconds_until(until),
            )


SIGNIN_FAILURES = metrics.Counter(
    "vigil_signin_failures_total",
    "Failed sign-ins: a wrong password or second-factor code, or an unknown or disabled account.",
)


def record_login_attempt(
    session: Session,
    *,
    email: str,
    ip: str,
    succeeded: bool,
    settings: Settings,
    person_id: int | None = None,
) -> None:
    """Keep an attempt for the throttle; a failure that starts or lengthens a wait, or that
    reaches the address limit, is a lock-out: logged and audited (ip and, for an account that
    exists, its id, as the audit log already holds; never the e-mail address)."""
    account = account_key(email)
    session.add(LoginAttempt(account=account, ip=ip, succeeded=succeeded))
    prune_rows(session, LoginAttempt, LoginAttempt.at < utcnow() - _kept_for(settings))
    if succeeded:
        return
    SIGNIN_FAILURES.inc()
    failures, _latest = _failures_at_account(session, account=account, ip=ip, settings=settings)
    if failures >= settings.login_max_failures:
        delay = int(login_delay(failures, settings).total_seconds())
        _lockout(
            session, "login.lockout", ip=ip, person_id=person_id, failures=failures, delay=delay
        )
    failed, _oldest = _failures_of_address(session, ip=ip)
    if failed == settings.login_address_max_failures:
        delay = int(LOGIN_ADDRESS_WINDOW.total_seconds())
        _lockout(
            session, "login.address_lockout", ip=ip, person_id=None, failures=failed, delay=delay
        )


def _kept_for(settings: Settings) -> dt.timedelta:
    return max(dt.timedelta(hours=settings.login_failure_memory_hours), LOGIN_ADDRESS_WINDOW)


def _lockout(
    session: Session, action: str, *, ip: str, person_id: int | None, failures: int, delay: int
) -> None:
    log.warning(
        "sign-in lock-out",
        extra={"lockout": action, "failures": failures, "wait_seconds": delay},
    )
    audit.record(
        session,
        action=action,
        target_type="person" if person_id is not None else "",
        target_id=person_id if person_id is not None else "",
        ip=ip,
        detail={"failures": failures, "wait_seconds": delay},
    )


LOCKOUT_ACTIONS = ("login.lockout", "login.address_lockout")


def recent_lockouts(session: Session, *, hours: int = 24) -> dict[str, int]:
    """Lock-outs audited in the last `hours`, by kind: what a platform administrator watches
    for an attack on sign-in (each further failure that lengthens a wait counts again)."""
    rows = session.execute(
        select(audit.AuditEntry.action, func.count())
        .where(
            audit.AuditEntry.action.in_(LOCKOUT_ACTIONS),
            audit.AuditEntry.at >= utcnow() - dt.timedelta(hours=hours),
        )
        .group_by(audit.AuditEntry.action)
    ).all()
    counts = {action: 0 for action in LOCKOUT_ACTIONS}
    counts.update({action: int(n) for action, n in rows})
    return counts
