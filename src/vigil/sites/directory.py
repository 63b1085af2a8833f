"""Where and what each site is, as other domains' system work reads it: names for messages
to a site's contacts, places for alert targeting, profiles for risk recomputation.

These check no access: their callers are alerts reaching sites their sender may not read
(DECISIONS 7), e-mails to a site's own contacts, and batches whose only output is a score. A
reader's view of a site goes through `sites.service` and `core.policy`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from sqlalchemy import Row, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from vigil.core.errors import NotFound
from vigil.sites.models import Site


def site_name(*, session: Session, site_id: int) -> str:
    """The site's name whoever asks: messages to the site's own contacts name it, and they
    need not be members who could read the site."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("No site with id %(id)s.", id=site_id)
    return site.name


class SiteLabel(NamedTuple):
    name: str
    city: str
    country: str


def site_labels(*, session: Session, site_ids: Collection[int]) -> dict[int, SiteLabel]:
    """System use (alert e-mails, webhooks, answer links): what names each site to those an alert
    reached it through, in one query. No access check: they were alerted for the site."""
    rows = session.execute(
        select(Site.id, Site.name, Site.city, Site.country).where(Site.id.in_(set(site_ids)))
    )
    return {site_id: SiteLabel(name, city, country) for site_id, name, city, country in rows}


def sites_in_area(
    *,
    session: Session,
    owner_org_ids: Collection[int],
    boxes: list[tuple[float, float, float, float]],
    countries: list[str],
    cities: list[str],
    types: list[str],
) -> Sequence[Row[int, int, float, float, str, str]]:
    """System use (alert targeting: an alert reaches sites its sender may not read, DECISIONS
    7): (id, owner organisation, lat, lon, country, city) of the organisations' sites of `types`
    (every type when empty) in any bounding box (min lat, min lon, max lat, max lon), country
    or city, by id. A superset of a shaped area, in one query: the caller tests the shape."""
    parts = [
        and_(Site.lat.between(min_lat, max_lat), Site.lon.between(min_lon, max_lon))
        for min_lat, min_lon, max_lat, max_lon in boxes
    ]
    if countries:
        parts.append(Site.country.in_([c.upper() for c in countries]))
    if cities:
        parts.append(func.lower(Site.city).in_([c.strip().lower() for c in cities]))
    stmt = select(Site.id, Site.owner_org_id, Site.lat, Site.lon, Site.country, Site.city).where(
        Site.owner_org_id.in_(sorted(owner_org_ids)), or_(*parts) if parts else false()
    )
    if types:
        stmt = stmt.where(Site.type.in_(types))
    return session.execute(stmt.order_by(Site.id)).all()


def find_site(*, session: Session, site_id: int) -> Site | None:
    """System use: the site another record points at (an assessment's), for what that record
    shows of it to its own readers. No access check; `get_site` is the reader's way."""
    return session.get(Site, site_id)


def all_sites(*, session: Session) -> list[Site]:
    """System use (demo data): every site, by id. No access check."""
    return list(session.scalars(select(Site).order_by(Site.id)))


def site_profiles() -> Select[int, int, float, float, str, int, int]:
    """(id, owner organisation, lat, lon, type, capacity, typical attendance) of every site, as
    a select to join: a batch over many sites (risk recomputation) reads them in its own
    statement. No access check: only scores computed from them leave the caller."""
    return select(
        Site.id,
        Site.owner_org_id,
        Site.lat,
        Site.lon,
        Site.type,
        Site.capacity,
        Site.typical_attendance,
    )


def organisation_sites(*, session: Session, org_id: int) -> list[tuple[int, str, float, float]]:
    """System use (monitoring: an organisation's sites are watched by default): (id, name, lat,
    lon) of the sites the organisation owns, by id. No access check: the caller matches them
    against articles for that organisation only."""
    rows = session.execute(
        select(Site.id, Site.name, Site.lat, Site.lon)
        .where(Site.owner_org_id == org_id)
        .order_by(Site.id)
    )
    return [(site_id, name, lat, lon) for site_id, name, lat, lon in rows]
