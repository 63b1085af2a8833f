"""Erasing a person on request (GDPR art. 17): a platform administrator removes what identifies
them and every way into their account, while the records they wrote stay, shown as written by
a former member (core.identity.FORMER_MEMBER).

The person's row stays, so that the records pointing to it keep their author and the counts
stay right; its name becomes FORMER_MEMBER, its e-mail an address that reaches nobody. What
cannot be rewritten is said in docs/privacy.md: the audit log and the incident timelines are
append-only and keep the name they were written with.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.core.identity import FORMER_MEMBER
from vigil.core.policy import Principal
from vigil.orgs.models import (
    ApiToken,
    Invitation,
    ListPreference,
    Membership,
    PasswordReset,
    Person,
    SavedFilter,
    WebSession,
)
from vigil.orgs.service import require_platform_admin

# Where an erased person's e-mail address points: the reserved .invalid domain reaches nobody.
ERASED_DOMAIN = "erased.invalid"


def erased_email(person_id: int) -> str:
    return f"person-{person_id}@{ERASED_DOMAIN}"


FOUND_PEOPLE_LIMIT = 50


def find_people(*, session: Session, principal: Principal, query: str) -> list[Person]:
    """People not erased whose e-mail or name contains `query`, by e-mail, or the newest when
    the query is empty (at most FOUND_PEOPLE_LIMIT): whom a platform administrator may erase."""
    require_platform_admin(principal)
    words = query.strip().lower()
    stmt = select(Person).where(Person.erased_at.is_(None)).limit(FOUND_PEOPLE_LIMIT)
    if not words:
        return list(session.scalars(stmt.order_by(Person.id.desc())))
    matching = func.lower(Person.email).contains(words, autoescape=True) | func.lower(
        Person.name
    ).contains(words, autoescape=True)
    return list(session.scalars(stmt.where(matching).order_by(Person.email)))


def get_person(*, session: Session, principal: Principal, person_id: int) -> Person:
    require_platform_admin(principal)
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("No person with id %(id)s.", id=person_id)
    return person


def erase_person(
    *, session: Session, principal: Principal, person_id: int, confirm_email: str
) -> Person:
    """Erase a person. `confirm_email` must repeat their address: erasing cannot be undone, and
    an id typed wrong must not erase someone else. Nobody erases themselves this way, nor the
    last platform administrator."""
    person = get_person(session=session, principal=principal, person_id=person_id)
    if person.erased_at is not None:
        raise Conflict("This person was already erased.")
    if person.id == principal.person_id:
        raise Forbidden("You cannot erase yourself; ask another platform administrator.")
    if confirm_email.strip().lower() != person.email.lower():
        raise Invalid("confirm_email", "does not match the e-mail address of the person to erase")
    if person.is_platform_admin:
        admins = session.scalar(
            select(func.count())
            .select_from(Person)
            .where(Person.is_platform_admin.is_(True), Person.is_active.is_(True))
        )
        if (admins or 0) <= 1:
            raise Conflict("This is the last platform administrator; appoint another first.")
    org_ids = sorted(
        session.scalars(select(Membership.org_id).where(Membership.person_id == person.id))
    )
    session.execute(delete(Invitation).where(func.lower(Invitation.email) == person.email.lower()))
    # Their lists' filters too: the words they searched for may name people.
    for table in (Membership, WebSession, ApiToken, PasswordReset, ListPreference, SavedFilter):
        session.execute(delete(table).where(table.person_id == person.id))
    person.name = FORMER_MEMBER
    person.email = erased_email(person.id)
    person.password_hash = ""  # matches no password: verify_password refuses an empty hash
    person.totp_secret_encrypted = None
    person.totp_enabled = False
    person.is_platform_admin = False
    person.is_active = False
    person.locale, person.time_zone = "", ""
    person.erased_at = utcnow()
    # The detail names no one: the entry is kept for as long as the audit log.
    audit.log_action(
        session,
        principal,
        "person.erase",
        target_type="person",
        target_id=person.id,
        detail={"memberships_removed": org_ids},
    )
    return person
