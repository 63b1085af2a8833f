"""The sites an alert being composed would reach, as its coordinator sees them: those they may
read are named (with their type, linked to their page), the others only counted (DECISIONS 7).
The counts are `targeting.reach`'s, the same the preview and the confirmation show."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from vigil.alerts import service
from vigil.alerts.schemas import AlertCreate, Preview
from vigil.core.policy import Principal
from vigil.sites import service as sites_service
from vigil.sites.kinds import SiteType

SHOWN = 20  # named in the preview; the rest of those readable are counted ("and N more")


@dataclass(frozen=True)
class ReachedSite:
    id: int
    name: str
    type: SiteType


@dataclass(frozen=True)
class ReachedSites:
    shown: list[ReachedSite]  # the first readable ones, by name
    readable: int  # every reached site the coordinator may read
    unreadable: int  # reached, not readable: counted, never named

    @property
    def more(self) -> int:
        return self.readable - len(self.shown)


def preview_with_sites(
    *, session: Session, principal: Principal, data: AlertCreate, shown: int = SHOWN
) -> tuple[Preview, ReachedSites]:
    """The preview's totals and the reached sites the coordinator may read (one targeting)."""
    counted = service.composed_reach(session=session, principal=principal, data=data)
    site_ids = [site_id for site_id, _ in counted.reached]
    readable = sites_service.readable_site_kinds(
        session=session, principal=principal, site_ids=site_ids
    )
    named = sorted(
        (ReachedSite(site_id, name, kind) for site_id, (name, kind) in readable.items()),
        key=lambda site: (site.name.casefold(), site.id),
    )
    preview = service.totals(counted)
    listing = ReachedSites(
        shown=named[:shown], readable=len(named), unreadable=len(site_ids) - len(named)
    )
    return preview, listing
