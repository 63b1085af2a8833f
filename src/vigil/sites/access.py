"""Who may read, edit and see the contacts of a site: the one place the sites domain asks.

Reading is `core.policy` (TLP); editing and contacts are for the owning organisation's
analysts and above, because contacts are personal data of the people who guard a site.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role, scope
from vigil.sites.models import Site

EDITOR_ROLE = Role.analyst
CONTACT_READER_ROLE = Role.analyst


def get_site(*, session: Session, principal: Principal, site_id: int) -> Site:
    """The site if the principal may read it; NotFound otherwise, as for a site that is not."""
    site = session.scalar(scope(select(Site).where(Site.id == site_id), Site, principal))
    if site is None:
        raise NotFound("No such site, or it is not shared with you.")
    return site


def require_readable_site(
    *, session: Session, principal: Principal, site_id: int, field: str = "site_id"
) -> Site:
    """For another record that points at a site: a site the principal cannot read is bad input."""
    try:
        return get_site(session=session, principal=principal, site_id=site_id)
    except NotFound as exc:
        raise Invalid(field, "no site %(id)s is shared with you", id=site_id) from exc


def may_edit(principal: Principal, site: Site) -> bool:
    return principal.has_role(site.owner_org_id, EDITOR_ROLE)


def require_editor(principal: Principal, site: Site) -> None:
    if not may_edit(principal, site):
        raise Forbidden("Editing a site needs the analyst role in the organisation that owns it.")


def may_see_contacts(principal: Principal, site: Site) -> bool:
    """Contacts are for the owning organisation's analysts and above; nobody else sees any."""
    return principal.has_role(site.owner_org_id, CONTACT_READER_ROLE)
