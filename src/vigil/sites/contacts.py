"""A site's contacts in priority order: e-mail and phone encrypted at rest (core.crypto), shown
only to the owning organisation's analysts and above, and read in bulk by alert deliveries.

The audit log records how many contacts a site has, never who they are (DECISIONS 26).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.crypto import decrypt, encrypt
from vigil.core.errors import Invalid
from vigil.core.policy import Principal
from vigil.orgs import service as orgs_service
from vigil.sites.access import get_site, may_see_contacts, require_editor
from vigil.sites.models import SiteContact
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
    found = orgs_service.existing_person_ids(session=session, person_ids=wanted)
    for index, contact in enumerate(contacts):
        if contact.person_id is not None and contact.person_id not in found:
            raise Invalid(f"contacts.{index}.person_id", f"no person with id {contact.person_id}")


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


def delivery_contacts(
    *, session: Session, settings: Settings, site_ids: list[int]
) -> dict[int, list[ContactRead]]:
    """System use (alert deliveries, playbooks): every given site's contacts, decrypted, by
    priority, in one query. A contact who is a Vigil member without an e-mail of their own is
    reached at the member's address. No access check: callers decided whom to reach."""
    found: dict[int, list[ContactRead]] = defaultdict(list)
    if site_ids:
        members = orgs_service.person_emails_subquery()
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
