"""People and signing in: accounts, sign-in with throttling, browser sessions, profile, joining
by invitation. Password change and reset live in passwords, the second factor in second_factor,
API tokens in tokens."""

from __future__ import annotations

from sqlalchemy import select
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
from vigil.core.crypto import token_hash
from vigil.core.db import utcnow
from vigil.core.errors import N_, Forbidden, Invalid, LoginFailed, Unauthorized
from vigil.core.forms import valid_zone
from vigil.core.policy import Principal, Role
from vigil.orgs.links import find_invitation
from vigil.orgs.models import (
    IdentityProvider,
    Invitation,
    Membership,
    Organisation,
    Person,
    WebSession,
)
from vigil.orgs.principals import find_web_session, load_principal, start_web_session
from vigil.orgs.schemas import SHIPPED_LOCALES, MembershipRead, MeRead

LOGIN_FAILED = N_("The e-mail address or password is not right.")
# Languages a person may choose for the pages: the shipped ones; "" follows the browser's.
SUPPORTED_LOCALES = ("", *SHIPPED_LOCALES)
MAX_NAME_CHARS = 200
# Verifying against a fixed hash when the account does not exist keeps timing uniform.
_DUMMY_PASSWORD = "not-a-real-password-just-for-timing"  # noqa: S105


def create_person(
    *,
    session: Session,
    settings: Settings,
    email: str,
    name: str,
    password: str,
    # Not chosen yet: the browser's language, else the organisation's (core.localisation).
    locale: str = "",
    is_platform_admin: bool = False,
) -> Person:
    email = email.strip().lower()
    check_password_policy(password, email=email)
    if session.scalar(select(Person.id).where(Person.email == email)):
        raise Invalid("email", "an account with this e-mail address already exists")
    person = Person(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password, settings),
        locale=locale,
        is_platform_admin=is_platform_admin,
    )
    session.add(person)
    session.flush()
    audit.record(
        session,
        action="person.create",
        actor="system",
        target_type="person",
        target_id=person.id,
    )
    return person


def person_by_email(session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(Person.email == email.strip().lower()))


class PasswordsOff(LoginFailed):
    """The account's organisation signs its members in through its identity provider only."""

    def __init__(self, org: Organisation) -> None:
        super().__init__(
            "%(org)s signs its members in through its identity provider: use its single "
            "sign-on instead of a password.",
            org=org.name,
        )
        self.org_slug = org.slug


def password_free_org(session: Session, email: str) -> Organisation | None:
    """The organisation (if any) of this account that turned local passwords off: its members
    neither sign in with a password nor reset one."""
    return session.scalar(
        select(Organisation)
        .join(Membership, Membership.org_id == Organisation.id)
        .join(Person, Person.id == Membership.person_id)
        .join(IdentityProvider, IdentityProvider.org_id == Organisation.id)
        .where(Person.email == email.strip().lower(), IdentityProvider.passwords_disabled)
        .order_by(Organisation.id)
        .limit(1)
    )


def _dummy_hash(settings: Settings) -> str:
    cached: str | None = _DUMMY_HASHES.get((settings.argon2_time_cost, settings.argon2_memory_kib))
    if cached is None:
        cached = hash_password(_DUMMY_PASSWORD, settings)
        _DUMMY_HASHES[(settings.argon2_time_cost, settings.argon2_memory_kib)] = cached
    return cached


_DUMMY_HASHES: dict[tuple[int, int], str] = {}


def authenticate(
    *, session: Session, settings: Settings, email: str, password: str, ip: str
) -> Person:
    """Check the password, throttled per account and address and per address (429, see
    check_login_throttle); the sign-in page and the API token endpoint both come here.

    Every failure raises the same LoginFailed, which keeps the recorded attempt and its audit
    entry although the request fails. A member of an organisation that turned local passwords
    off is told to use its single sign-on (PasswordsOff), whatever the password: saying so
    before the password is checked tells that the address is a member's, the price of a
    sign-in page that points people the right way.
    """
    check_login_throttle(session, email=email, ip=ip, settings=settings)
    password_free = password_free_org(session, email)
    if password_free is not None:
        record_login_attempt(session, email=email, ip=ip, succeeded=False, settings=settings)
        audit.record(
            session,
            action="login.password_refused",
            org_id=password_free.id,
            target_type="organisation",
            target_id=password_free.id,
            ip=ip,
        )
        raise PasswordsOff(password_free)
    person = person_by_email(session, email)
    stored = person.password_hash if person else _dummy_hash(settings)
    ok = verify_password(stored, password, settings) and person is not None and person.is_active
    if not (ok and person and person.totp_enabled):  # else the code's check records it
        person_id = person.id if person else None
        record_login_attempt(
            session, email=email, ip=ip, succeeded=ok, settings=settings, person_id=person_id
        )
    audit.record(
        session,
        # With a second factor, the password alone is not a sign-in yet.
        action=("login.password_ok" if person and person.totp_enabled else "login.success")
        if ok
        else "login.failure",
        actor_id=person.id if ok and person else None,
        actor=person.email if ok and person else "",
        target_type="person",
        target_id=person.id if ok and person else "",
        ip=ip,
    )
    if not ok or person is None:
        raise LoginFailed(LOGIN_FAILED)
    if not person.totp_enabled:
        person.last_login_at = utcnow()
    return person


def begin_login(
    *,
    session: Session,
    settings: Settings,
    person: Person,
    replacing: str = "",
    acting_org_id: int | None = None,
) -> str:
    """Start a browser session; with TOTP on, it stays unusable until the code is given.

    `replacing` is the token of the session the browser had until now: it ends here, so a
    cookie that is overwritten does not leave a live session behind. A sign-in through an
    organisation's identity provider names that organisation (`acting_org_id`): the provider
    asked for its own second factor, so Vigil's is not asked again.
    """
    end_web_session(session=session, token=replacing)
    via_provider = acting_org_id is not None
    token = start_web_session(
        session,
        person=person,
        settings=settings,
        awaiting_totp=person.totp_enabled and not via_provider,
    )
    first = acting_org_id or session.scalar(
        select(Membership.org_id).where(Membership.person_id == person.id).order_by(Membership.id)
    )
    web = session.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token)))
    if web is not None:
        web.acting_org_id = first
    return token


def principal_for(session: Session, person_id: int) -> Principal:
    principal = load_principal(session, person_id=person_id)
    if principal is None:
        raise Unauthorized("This account is disabled.")
    return principal


def signed_in_person(session: Session, principal: Principal) -> Person:
    person = session.get(Person, principal.person_id) if principal.person_id else None
    if person is None:
        raise Unauthorized("Sign in first.")
    return person


def me_read(*, session: Session, principal: Principal) -> MeRead:
    person = signed_in_person(session, principal)
    return MeRead(
        id=person.id,
        name=person.name,
        email=person.email,
        locale=person.locale,
        time_zone=person.time_zone,
        totp_enabled=person.totp_enabled,
        is_platform_admin=person.is_platform_admin,
        acting_org_id=principal.acting_org_id,
        memberships=[
            MembershipRead(org_id=m.org_id, org_slug=slug, org_name=name, role=Role(m.role))
            for m, slug, name in memberships_of(session, person.id)
        ],
    )


def end_web_session(*, session: Session, token: str) -> None:
    """Sign a browser out on the server: its session ends, even one still awaiting the code."""
    web = find_web_session(session, token) if token else None
    if web is not None:
        web.ended_at = utcnow()
        audit.record(
            session,
            action="logout",
            actor_id=web.person_id,
            target_type="person",
            target_id=web.person_id,
        )


def end_web_sessions(session: Session, person_id: int, *, keep: int | None = None) -> int:
    """End every open browser session of a person but `keep`; returns how many ended."""
    stmt = select(WebSession).where(
        WebSession.person_id == person_id, WebSession.ended_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(WebSession.id != keep)
    ended = list(session.scalars(stmt))
    for web in ended:
        web.ended_at = utcnow()
    return len(ended)


def update_profile(
    *, session: Session, principal: Principal, name: str, locale: str, time_zone: str | None = None
) -> Person:
    """Change your own name, the language of your pages and the zone their times are shown in
    (None leaves the zone as it is)."""
    person = signed_in_person(session, principal)
    name = name.strip()
    time_zone = person.time_zone if time_zone is None else time_zone.strip()
    if not name:
        raise Invalid("name", "must not be empty")
    if len(name) > MAX_NAME_CHARS:
        raise Invalid("name", "must be at most %(count)s characters long", count=MAX_NAME_CHARS)
    if locale not in SUPPORTED_LOCALES:
        raise Invalid("locale", "must be one of %(choices)s", choices=", ".join(SUPPORTED_LOCALES))
    if time_zone and not valid_zone(time_zone):
        raise Invalid(
            "time_zone",
            "'%(zone)s' is not an IANA time zone such as Europe/Prague",
            zone=time_zone,
        )
    fields = (("name", name), ("locale", locale), ("time_zone", time_zone))
    changed = [f for f, value in fields if getattr(person, f) != value]
    person.name, person.locale, person.time_zone = name, locale, time_zone
    if changed:
        audit.log_action(
            session,
            principal,
            "profile.update",
            target_type="person",
            target_id=person.id,
            detail={"fields": changed},
        )
    return person


def switch_acting_org(
    *, session: Session, principal: Principal, web_session_id: int, org_id: int
) -> None:
    if org_id not in principal.org_ids:
        raise Forbidden("You are not a member of that organisation.")
    web = session.get(WebSession, web_session_id)
    if web is not None:
        web.acting_org_id = org_id


def accept_invitation(
    *, session: Session, settings: Settings, token: str, name: str, password: str
) -> Person:
    """Join the organisation; creates the account if the address has none yet."""
    invitation: Invitation = find_invitation(
        session, token, secret_key=settings.secret_key, lock=True
    )
    person = person_by_email(session, invitation.email)
    if person is None:
        person = create_person(
            session=session,
            settings=settings,
            email=invitation.email,
            name=name,
            password=password,
        )
    elif not verify_password(person.password_hash, password, settings):
        raise Invalid("password", "enter the password of your existing Vigil account")
    existing = session.scalar(
        select(Membership).where(
            Membership.org_id == invitation.org_id, Membership.person_id == person.id
        )
    )
    if existing is None:
        session.add(Membership(person_id=person.id, org_id=invitation.org_id, role=invitation.role))
    invitation.accepted_at = utcnow()
    audit.record(
        session,
        action="invitation.accept",
        actor_id=person.id,
        actor=person.email,
        org_id=invitation.org_id,
        target_type="invitation",
        target_id=invitation.id,
        detail={"role": invitation.role},
    )
    return person


def memberships_of(session: Session, person_id: int) -> list[tuple[Membership, str, str]]:
    rows = session.execute(
        select(Membership, Organisation.slug, Organisation.name)
        .join(Organisation, Organisation.id == Membership.org_id)
        .where(Membership.person_id == person_id)
        .order_by(Organisation.name)
    ).all()
    return [(m, slug, name) for m, slug, name in rows]
