"""Who is safe: a roll-call for the incident's site. The site's contacts (from the sites domain,
in priority order) are expected to answer; members check in themselves; the coordinator records
answers given by phone; a contact answers through a signed, expiring link, e-mailed when the
roll-call starts to every contact with an address (through the outbox, so it is sent with the
roll-call or not at all). The board shows those who have not answered first.

A link (core.signed_links) works for LINK_HOURS from when it was made, and only while its
roll-call runs: it ends when the response returns to routine or a newer roll-call starts on the
incident (whose answers the board shows; an answer to the old one would be lost there).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import N_, Forbidden, Invalid, NotFound
from vigil.core.localisation import translations
from vigil.core.mail import queue_email
from vigil.core.policy import Principal, Role
from vigil.core.signed_links import LinkRefused, Refusal, sign, verify
from vigil.orgs import languages as orgs_languages
from vigil.playbooks.models import Activation, RollCall, RollCallEntry
from vigil.playbooks.schemas import Answer, RollCallAnswer, RollCallEntryRead, RollCallRead, Via
from vigil.playbooks.service import add_entry, readable_incident, require_role
from vigil.sites import directory as sites_directory
from vigil.sites import service as sites_service
from vigil.sites.schemas import ContactRead

if TYPE_CHECKING:
    from vigil.incidents.models import Incident

LINK_HOURS = 24
LINK_PURPOSE = "rollcall"
MAX_ID_DIGITS = 18  # beyond any id the database hands out
ANSWER_WORDS = {"safe": "safe", "need_help": "needs help", "not_on_site": "not on site"}


def start_roll_call(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    incident_id: int,
    source: str = "api",
) -> RollCall:
    """Everyone on the contact list of the incident's site is expected to answer, in the
    site's priority order (DECISIONS 10); a contact who is a member answers by checking in."""
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    require_role(
        principal,
        incident.owner_org_id,
        Role.coordinator,
        N_("Starting a roll-call needs the role %(role)s or higher in the incident's owner."),
    )
    site_id = incident.site_id
    roll_call = RollCall(incident_id=incident.id, site_id=site_id, started_by=principal.person_id)
    session.add(roll_call)
    session.flush()
    contacts = (
        sites_service.delivery_contacts(session=session, settings=settings, site_ids=[site_id])[
            site_id
        ]
        if site_id
        else []
    )
    members: set[int] = set()
    reached: list[tuple[RollCallEntry, ContactRead]] = []
    for contact in contacts:
        person_id = contact.person_id if contact.person_id not in members else None
        if person_id is not None:
            members.add(person_id)
        entry = RollCallEntry(
            roll_call_id=roll_call.id,
            contact_priority=contact.priority,
            person_id=person_id,
            name=contact.name,
        )
        session.add(entry)
        reached.append((entry, contact))
    session.flush()
    mailed = _mail_links(session, settings, incident, site_id, reached) if site_id else 0
    counted = f" {mailed} of {len(contacts)} contacts e-mailed" if contacts else ""
    add_entry(
        session,
        incident_id=incident.id,
        principal=principal,
        kind="roll_call",
        text=f"Roll-call started: who is safe?{counted}",
        source=source,
    )
    audit.log_action(
        session,
        principal,
        "rollcall.start",
        target_type="incidents",
        target_id=incident.id,
        org_id=incident.owner_org_id,
        detail={"roll_call": roll_call.id},
    )
    return roll_call


def _mail_links(
    session: Session,
    settings: Settings,
    incident: Incident,
    site_id: int,
    reached: list[tuple[RollCallEntry, ContactRead]],
) -> int:
    """E-mail each contact with an address their own answer link; returns how many. Contacts
    may be outside the organisation and the incident's TLP may not allow them to read it, so
    the mail names only the site (theirs) and the incident's number. A person listed twice, or
    an address given twice, is mailed once (the first in priority order). Each is written in
    their language (a member's own, else their organisation's; a contact without an account
    gets the incident's organisation's)."""
    site_name = sites_directory.site_name(session=session, site_id=site_id)
    readers = orgs_languages.recipient_readers(
        session=session,
        person_ids=[c.person_id for _, c in reached if c.person_id is not None],
        org_id=incident.owner_org_id,
    )
    locales = {person_id: reader.locale for person_id, reader in readers.items()}
    anyone = orgs_languages.organisation_reader(
        session=session, org_id=incident.owner_org_id
    ).locale
    seen_people: set[int] = set()
    seen_addresses: set[str] = set()
    for entry, contact in reached:
        address = (contact.email or "").strip()
        if not address or address.lower() in seen_addresses:
            continue
        if contact.person_id is not None and contact.person_id in seen_people:
            continue
        seen_addresses.add(address.lower())
        if contact.person_id is not None:
            seen_people.add(contact.person_id)
        locale = locales.get(contact.person_id or 0, anyone)
        subject, text = _link_mail(
            locale, settings, incident.id, site_name, contact.name, entry, member=entry.person_id
        )
        queue_email(session, to=address, subject=subject, text=text)
    return len(seen_addresses)


def _link_mail(
    locale: str,
    settings: Settings,
    incident_id: int,
    site_name: str,
    name: str,
    entry: RollCallEntry,
    *,
    member: int | None,
) -> tuple[str, str]:
    """The subject and text of one contact's answer-link mail, in `locale`."""
    catalogue = translations(locale)
    _, ngettext = catalogue.gettext, catalogue.ngettext
    where = {"site": site_name, "num": incident_id}
    token = answer_link_token(entry.id, secret_key=settings.secret_key)
    room = f"{settings.public_url}/incidents/{incident_id}/room"
    answers = " / ".join((_("I am safe"), _("I need help"), _("I was not on site")))
    subject = f"{_('Are you safe?')} {_('Roll-call for %(site)s (incident #%(num)s)') % where}"
    text = (
        f"{_('Hello, %(name)s') % {'name': name}},\n\n"
        f"{_('A roll-call has started for %(site)s (incident #%(num)s).') % where} "
        f"{_('Are you safe?')}\n\n"
        + ngettext(
            "Please answer on this page, no sign-in needed; the link is yours alone and works "
            "for %(num)s hour while the roll-call runs:",
            "Please answer on this page, no sign-in needed; the link is yours alone and works "
            "for %(num)s hours while the roll-call runs:",
            LINK_HOURS,
        )
        % {"num": LINK_HOURS}
        + f"\n{settings.public_url}/rollcall/{token}?lang={locale}\n\n"
        + _("It asks for one of three answers: %(answers)s.") % {"answers": answers}
        + "\n"
    )
    if member is not None:
        text += "\n" + _("As a Vigil member you can also open the incident room: %(url)s") % {
            "url": room
        }
        text += "\n"
    return subject, text


def get_roll_call(
    *, session: Session, principal: Principal, incident_id: int, roll_call_id: int
) -> RollCall:
    readable_incident(session=session, principal=principal, incident_id=incident_id)
    roll_call = session.get(RollCall, roll_call_id)
    if roll_call is None or roll_call.incident_id != incident_id:
        raise NotFound("No such roll-call on this incident.")
    return roll_call


def latest_roll_call(session: Session, incident_id: int) -> RollCall | None:
    """The newest roll-call of an incident the caller already may read."""
    return session.scalar(
        select(RollCall)
        .where(RollCall.incident_id == incident_id)
        .order_by(RollCall.id.desc())
        .limit(1)
    )


def roll_call_read(session: Session, principal: Principal, roll_call: RollCall) -> RollCallRead:
    """The board; its site shows as null to a reader who may not read the site (core.policy)."""
    entries = list(
        session.scalars(select(RollCallEntry).where(RollCallEntry.roll_call_id == roll_call.id))
    )
    # Unanswered first (in the site's priority order), then those who need help, then the rest.
    entries.sort(
        key=lambda e: (
            e.answer is not None,
            e.answer != Answer.need_help,
            e.contact_priority is None,
            e.contact_priority or 0,
            e.name,
            e.id,
        )
    )
    return RollCallRead(
        id=roll_call.id,
        incident_id=roll_call.incident_id,
        site_id=sites_service.shown_site_id(
            session=session, principal=principal, site_id=roll_call.site_id
        ),
        started_at=roll_call.started_at,
        entries=[
            RollCallEntryRead(
                id=e.id,
                name=e.name,
                person_id=e.person_id,
                contact_priority=e.contact_priority,
                answer=Answer(e.answer) if e.answer else None,
                via=Via(e.via) if e.via else None,
                answered_at=e.answered_at,
            )
            for e in entries
        ],
    )


def _record(
    session: Session,
    entry: RollCallEntry,
    answer: Answer,
    via: Via,
    principal: Principal | None,
    incident_id: int,
) -> None:
    entry.answer, entry.via, entry.answered_at = answer.value, via.value, utcnow()
    entry.answered_by = principal.person_id if principal else None
    session.flush()
    by = "" if principal is None or entry.person_id == principal.person_id else " (recorded)"
    add_entry(
        session,
        incident_id=incident_id,
        principal=principal,
        kind="roll_call",
        text=f"{entry.name}: {ANSWER_WORDS[answer.value]} — by {via.value}{by}",
        source=via.value,
        author_name=None if principal else entry.name,
    )


def answer(
    *,
    session: Session,
    principal: Principal,
    incident_id: int,
    roll_call_id: int,
    data: RollCallAnswer,
    via: Via,
) -> RollCallEntry:
    """Your own answer (checking in), or, for a coordinator, someone's answer given by phone."""
    roll_call = get_roll_call(
        session=session, principal=principal, incident_id=incident_id, roll_call_id=roll_call_id
    )
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    for_someone = data.entry_id is not None or data.name is not None
    if for_someone:
        require_role(
            principal,
            incident.owner_org_id,
            Role.coordinator,
            N_("Recording answers needs the role %(role)s or higher in the incident's owner."),
        )
        via = Via.phone
    entry: RollCallEntry | None
    if data.entry_id is not None:
        entry = session.get(RollCallEntry, data.entry_id)
        if entry is None or entry.roll_call_id != roll_call.id:
            raise Invalid("entry_id", "no such person on this roll-call")
    elif data.name is not None:
        entry = RollCallEntry(roll_call_id=roll_call.id, name=data.name)
        session.add(entry)
    else:
        if principal.person_id is None:
            raise Forbidden("Sign in to check in.")
        entry = session.scalar(
            select(RollCallEntry).where(
                RollCallEntry.roll_call_id == roll_call.id,
                RollCallEntry.person_id == principal.person_id,
            )
        )
        if entry is None:
            entry = RollCallEntry(
                roll_call_id=roll_call.id, person_id=principal.person_id, name=principal.name
            )
            session.add(entry)
    _record(session, entry, data.answer, via, principal, incident_id)
    return entry


def answer_link_token(
    entry_id: int, *, secret_key: str, now: dt.datetime | None = None, hours: int = LINK_HOURS
) -> str:
    """A token for one entry's answer page, valid for `hours`; no login needed to use it."""
    expires = (now or utcnow()) + dt.timedelta(hours=hours)
    return sign(secret=secret_key, purpose=LINK_PURPOSE, subject=str(entry_id), expires=expires)


def entry_for_token(session: Session, token: str, *, secret_key: str) -> RollCallEntry:
    """The entry a link names while its roll-call runs; LinkRefused says why not (broken,
    expired, the response back to routine, or a newer roll-call started)."""
    subject = verify(secret=secret_key, token=token, purpose=LINK_PURPOSE).subject
    entry = (
        session.get(RollCallEntry, int(subject))
        if subject.isdigit() and len(subject) <= MAX_ID_DIGITS
        else None
    )
    roll_call = session.get(RollCall, entry.roll_call_id) if entry is not None else None
    if entry is None or roll_call is None:
        raise LinkRefused(Refusal.unknown)
    newer = session.scalar(
        select(RollCall.started_at)
        .where(RollCall.incident_id == roll_call.incident_id, RollCall.id > roll_call.id)
        .order_by(RollCall.id)
        .limit(1)
    )
    if newer is not None:
        raise LinkRefused(Refusal.superseded, at=newer)
    routine = session.scalar(
        select(Activation.returned_to_routine_at).where(
            Activation.incident_id == roll_call.incident_id
        )
    )
    # A roll-call started after the return to routine (a late count) runs until its links age.
    if routine is not None and routine >= roll_call.started_at:
        raise LinkRefused(Refusal.ended, at=routine)
    return entry


def answer_by_link(
    session: Session, token: str, answer_given: Answer, *, secret_key: str
) -> RollCallEntry:
    entry = entry_for_token(session, token, secret_key=secret_key)
    roll_call = session.get(RollCall, entry.roll_call_id)
    assert roll_call is not None
    _record(session, entry, answer_given, Via.link, None, roll_call.incident_id)
    audit.record(
        session,
        action="rollcall.link_answer",
        org_id=None,
        target_type="incidents",
        target_id=roll_call.incident_id,
    )
    return entry


def answer_links(
    *, session: Session, principal: Principal, incident_id: int, roll_call_id: int, secret_key: str
) -> dict[int, str]:
    """Entry id -> link token, for the coordinator to send to people without an account."""
    roll_call = get_roll_call(
        session=session, principal=principal, incident_id=incident_id, roll_call_id=roll_call_id
    )
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    require_role(
        principal,
        incident.owner_org_id,
        Role.coordinator,
        N_("Answer links need the role %(role)s or higher in the incident's owner."),
    )
    ids = session.scalars(
        select(RollCallEntry.id).where(
            RollCallEntry.roll_call_id == roll_call.id, RollCallEntry.person_id.is_(None)
        )
    )
    return {i: answer_link_token(i, secret_key=secret_key) for i in ids}
