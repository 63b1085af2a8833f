"""A site's contacts in priority order: e-mail and phone encrypted at rest (core.crypto), shown
only to the owning organisation's analysts and above, and read in bulk by alert deliveries.

The audit log records how many contacts a site has, never who they are (DECISIONS 26).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.crypto import decrypt, encrypt
from vigil.core.errors import Invalid
from vigil.core.policy import Principal
from vigil.orgs import directory as orgs_directory
from vigil.sites.access import get_site, may_see_contacts, require_editor
from vigil.sites.models import Site, SiteContact
from vigil.sites.schemas import ContactRead, ContactWrite


def _encrypt(value: str | None, settings: Settings) -> str | None:
    if not value:
        return None
    return encrypt(value, keys=settings.encryption_keys, secret_key=settings.secret_key)


def _decrypt(value: str | None, settings: Settings) -> str | None:
    if not value:
        return None
    return decrypt(value, keys=settings.encryption_keys, secret_key=settings.secret_key)


def _check_people(session: Session, contacts: list[ContactWrite]) -> None:
    wanted = {c.person_id for c in contacts if c.person_id is not None}
    found = orgs_directory.existing_person_ids(session=session, person_ids=wanted)
    for index, contact in enumerate(contacts):
        if contact.person_id is not None and contact.person_id not in found:
            raise Invalid(
                f"contacts.{index}.person_id", "no person with id %(id)s", id=contact.person_id
            )


def set_contacts(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    site_id: int,
    contacts: list[ContactWrite],
) -> list[ContactRead]:
    """Replace the site's contacts; the list's order is the priority (DECISIONS 10)."""
    site = get_site(session=session, principal=principal, site_id=site_id)
    require_editor(principal, site)
    _check_people(session, contacts)
    session.execute(delete(SiteContact).where(SiteContact.site_id == site.id))
    session.add_all(
        SiteContact(
            site_id=site.id,
            priority=priority,
            name=c.name,
            role=c.role,
            email_encrypted=_encrypt(c.email, settings),
            phone_encrypted=_encrypt(c.phone, settings),
            person_id=c.person_id,
        )
        for priority, c in enumerate(contacts, start=1)
    )
    session.flush()
    audit.log_action(
        session,
        principal,
        "site.contacts",
        target_type="sites",
        target_id=site.id,
        org_id=site.owner_org_id,
        detail={"count": len(contacts)},
    )
    return delivery_contacts(session=session, settings=settings, site_ids=[site.id])[site.id]


def site_contacts(
    *, session: Session, principal: Principal, settings: Settings, site_id: int
) -> list[ContactRead]:
    """The contacts, decrypted, for those who may see them; everyone else gets none."""
    site = get_site(session=session, principal=principal, site_id=site_id)
    if not may_see_contacts(principal, site):
        return []
    return delivery_contacts(session=session, settings=settings, site_ids=[site.id])[site.id]


def readable_contacts(
    *, session: Session, principal: Principal, settings: Settings, site_ids: Collection[int]
) -> dict[int, list[ContactRead]]:
    """The contacts of those of the sites whose contacts the principal may see (the owning
    organisation's analysts and above), decrypted, in two queries; the other sites have none.
    For lists that offer to call or write to many sites at once (an alert's board)."""
    owners = session.execute(select(Site).where(Site.id.in_(set(site_ids)))).scalars()
    allowed = [site.id for site in owners if may_see_contacts(principal, site)]
    return delivery_contacts(session=session, settings=settings, site_ids=allowed)


def delivery_contacts(
    *, session: Session, settings: Settings, site_ids: list[int]
) -> dict[int, list[ContactRead]]:
    """System use (alert deliveries, playbooks): every given site's contacts, decrypted, by
    priority, in one query. A contact who is a Vigil member without an e-mail of their own is
    reached at the member's address. No access check: callers decided whom to reach."""
    found: dict[int, list[ContactRead]] = defaultdict(list)
    if site_ids:
        members = orgs_directory.person_emails_subquery()
        rows = session.execute(
            select(SiteContact, members.c.email)
            .outerjoin(members, members.c.id == SiteContact.person_id)
            .where(SiteContact.site_id.in_(set(site_ids)))
            .order_by(SiteContact.site_id, SiteContact.priority)
        ).all()
        for contact, member_email in rows:
            found[contact.site_id].append(
                ContactRead(
                    site_id=contact.site_id,
                    priority=contact.priority,
                    name=contact.name,
                    role=contact.role,
                    email=_decrypt(contact.email_encrypted, settings) or member_email,
                    phone=_decrypt(contact.phone_encrypted, settings),
                    person_id=contact.person_id,
                )
            )
    return {site_id: found.get(site_id, []) for site_id in site_ids}


# Site ids per query when reading the contacts of the many sites an alert reaches.
SITE_IDS_PER_QUERY = 5000


def first_contact_ids(*, session: Session, site_ids: list[int]) -> dict[int, list[int]]:
    """System use (an alert's preview counts whom it would reach): per site, the ids of its
    contacts of the lowest priority it has, in one query per SITE_IDS_PER_QUERY sites."""
    found: dict[int, list[int]] = {}
    for start in range(0, len(site_ids), SITE_IDS_PER_QUERY):
        chunk = site_ids[start : start + SITE_IDS_PER_QUERY]
        lowest = (
            select(SiteContact.site_id, func.min(SiteContact.priority).label("p"))
            .where(SiteContact.site_id.in_(chunk))
            .group_by(SiteContact.site_id)
            .subquery()
        )
        rows = session.execute(
            select(SiteContact.site_id, SiteContact.id).join(
                lowest,
                and_(lowest.c.site_id == SiteContact.site_id, lowest.c.p == SiteContact.priority),
            )
        )
        for site_id, contact_id in rows:
            found.setdefault(site_id, []).append(contact_id)
    return found


def reachable_contacts() -> Select[int, int, int]:
    """(site id, priority, contact id) of the contacts a message can reach (an e-mail of their
    own or a member's), as a select the caller narrows to its sites: by ids, or by a join on
    `site_id` with a table of its own, which keeps long id lists out of the statement."""
    reachable = or_(SiteContact.email_encrypted.is_not(None), SiteContact.person_id.is_not(None))
    return select(SiteContact.site_id, SiteContact.priority, SiteContact.id).where(reachable)


def contact_owners() -> Select[int, int, int, int | None]:
    """(site id, site's organisation, contact id, contact's person or null) of the contacts a
    message can reach, as a select the caller narrows (by contact ids, or a join on `site_id`):
    whom an alert's message is written for, in their language (vigil.orgs.languages)."""
    reachable = or_(SiteContact.email_encrypted.is_not(None), SiteContact.person_id.is_not(None))
    return (
        select(SiteContact.site_id, Site.owner_org_id, SiteContact.id, SiteContact.person_id)
        .join(Site, Site.id == SiteContact.site_id)
        .where(reachable)
    )


def contact_name(*, session: Session, contact_id: int) -> str | None:
    """System use: who answered through the link a contact was sent (a signed link stands for
    the contact it went to); None once the contact was removed."""
    return session.scalar(select(SiteContact.name).where(SiteContact.id == contact_id))


def contact_places(*, session: Session, contact_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """System use (deliveries to contacts): contact id -> (site id, priority), in one query,
    the place where `delivery_contacts` finds the contact's address; removed contacts are
    missing."""
    rows = session.execute(
        select(SiteContact.id, SiteContact.site_id, SiteContact.priority).where(
            SiteContact.id.in_(contact_ids)
        )
    )
    return {contact_id: (site_id, priority) for contact_id, site_id, priority in rows}


def sites_answered_for(*, principal: Principal) -> Select[int, str]:
    """(id, name) of the sites the person answers for when an alert reaches them, by name: their
    organisations' sites and the sites listing them as a contact, whatever the TLP (they were
    alerted for them). A select the caller narrows to the sites its alert reached."""
    contact_sites = select(SiteContact.site_id).where(SiteContact.person_id == principal.person_id)
    return (
        select(Site.id, Site.name)
        .where(Site.owner_org_id.in_(sorted(principal.org_ids)) | Site.id.in_(contact_sites))
        .order_by(Site.name, Site.id)
    )
