"""How Vigil speaks to an organisation: its default language and time zone, and how precisely
its public form keeps a reporter's location. Set by its administrators, audited like every
other setting; a person's own language and zone are on their profile (accounts)."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.policy import Principal
from vigil.orgs import service as orgs_service
from vigil.orgs.models import Organisation
from vigil.orgs.schemas import OrganisationSettings

# The zones offered on the settings forms (any IANA name typed is accepted): the current
# names by region, without the old aliases (US/Pacific, Etc/GMT+1, ...).
REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian")
ZONE_NAMES = (
    "UTC",
    *sorted(z for z in available_timezones() if z.split("/")[0] in (*REGIONS, "Pacific")),
)


def update_organisation_settings(
    *, session: Session, principal: Principal, org_id: int, data: OrganisationSettings
) -> Organisation:
    """Change what the organisation's administrators set; fields left out stay as they are.
    The audit entry keeps each changed value before and after."""
    org = orgs_service.get_organisation(session=session, principal=principal, ref=org_id)
    orgs_service.require_org_admin(principal, org.id)
    changed: dict[str, Any] = {}
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is not None and getattr(org, field) != value:
            changed[field] = {"from": getattr(org, field), "to": value}
            setattr(org, field, value)
    if changed:
        audit.log_action(
            session,
            principal,
            "org.settings",
            target_type="organisation",
            target_id=org.id,
            org_id=org.id,
            detail=changed,
        )
    return org
