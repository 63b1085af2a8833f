"""The language and time zone a message is written in for the one who receives it.

Mail, roll calls and alerts reach people who are not looking at a page, so there is no browser
to ask: the person's own choice counts when it names a language Vigil ships, else the default
of the organisation the message is about (the one that invites, whose site is alerted, whose
coordinators are told), else of the person's first organisation, else English. Someone without
an account (an invitee, a site contact known only by address) reads the organisation's default.

The zone follows the same people: theirs, else the organisation's, else its country's main one.
Every domain that sends asks here, so that one person never gets two languages from two
senders.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.forms import valid_zone
from vigil.core.localisation import DEFAULT_LOCALE, available_locales
from vigil.geo.forms import country_zone
from vigil.orgs.models import Membership, Organisation, Person


@dataclass(frozen=True)
class Reader:
    """How one recipient reads a message: `locale` (a shipped one, e.g. cs) and `zone` (IANA)."""

    locale: str
    zone: str


ENGLISH = Reader(DEFAULT_LOCALE, "UTC")


def shipped(locale: str | None) -> str | None:
    """`locale` as Vigil's catalogues name it (cs, pt_BR) if Vigil ships it, else None."""
    wanted = (locale or "").strip().replace("-", "_")
    if not wanted:
        return None
    offered = available_locales()
    if wanted in offered:
        return wanted
    base = wanted.split("_")[0].lower()
    return base if base in offered else None


def _org_reader(org: tuple[str, str, str] | None) -> Reader:
    """(default_locale, time_zone, country) of an organisation as the reader of its messages."""
    if org is None:
        return ENGLISH
    locale, zone, country = org
    chosen = zone if zone and valid_zone(zone) else country_zone(country)
    return Reader(shipped(locale) or DEFAULT_LOCALE, chosen)


def _orgs(session: Session, org_ids: Collection[int]) -> dict[int, tuple[str, str, str]]:
    wanted = {o for o in org_ids if o is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(
            Organisation.id,
            Organisation.default_locale,
            Organisation.time_zone,
            Organisation.country,
        ).where(Organisation.id.in_(wanted))
    )
    return {org_id: (locale, zone, country) for org_id, locale, zone, country in rows}


def organisation_readers(*, session: Session, org_ids: Collection[int]) -> dict[int, Reader]:
    """How each organisation's messages to no one in particular (a webhook, a site contact
    without an account, an invitee) are read: its default language and zone, in one query."""
    found = _orgs(session, org_ids)
    return {org_id: _org_reader(found.get(org_id)) for org_id in set(org_ids)}


def organisation_reader(*, session: Session, org_id: int | None) -> Reader:
    if org_id is None:
        return ENGLISH
    return organisation_readers(session=session, org_ids=[org_id])[org_id]


def recipient_readers(
    *, session: Session, person_ids: Collection[int], org_id: int | None = None
) -> dict[int, Reader]:
    """How each person reads a message about `org_id` (see the module docstring), in three
    queries whatever their number; a person who is gone reads as the organisation's default."""
    wanted = {p for p in person_ids if p is not None}
    if not wanted:
        return {}
    people = {
        person_id: (locale, zone)
        for person_id, locale, zone in session.execute(
            select(Person.id, Person.locale, Person.time_zone).where(Person.id.in_(wanted))
        )
    }
    first_org: dict[int, int] = {}
    if org_id is None:
        rows = session.execute(
            select(Membership.person_id, Membership.org_id)
            .where(Membership.person_id.in_(wanted))
            .order_by(Membership.id)
        )
        for person_id, member_of in rows:
            first_org.setdefault(person_id, member_of)
    orgs = _orgs(session, {*first_org.values(), *([org_id] if org_id is not None else [])})
    found: dict[int, Reader] = {}
    for person_id in wanted:
        org = orgs.get(org_id if org_id is not None else first_org.get(person_id, -1))
        fallback = _org_reader(org)
        locale, zone = people.get(person_id, ("", ""))
        found[person_id] = Reader(
            shipped(locale) or fallback.locale, zone if zone and valid_zone(zone) else fallback.zone
        )
    return found


def recipient_reader(*, session: Session, person_id: int, org_id: int | None = None) -> Reader:
    """How one person reads a message about `org_id` (their first organisation's when None)."""
    return recipient_readers(session=session, person_ids=[person_id], org_id=org_id)[person_id]


def recipient_locale(*, session: Session, person_id: int, org_id: int | None = None) -> str:
    """The language to write to one person in (roll calls, escalations, any e-mail)."""
    return recipient_reader(session=session, person_id=person_id, org_id=org_id).locale


def address_reader(*, session: Session, email: str, org_id: int) -> Reader:
    """How the holder of an address reads a message from `org_id`: as the person, if the address
    has an account, else as the organisation's default (an invitee)."""
    person_id = session.scalar(select(Person.id).where(Person.email == email.strip().lower()))
    if person_id is None:
        return organisation_reader(session=session, org_id=org_id)
    return recipient_reader(session=session, person_id=person_id, org_id=org_id)
