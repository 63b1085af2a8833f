"""Sites: create, read (always through core.policy), update with audited TLP changes, find by
filters or by distance.

Contacts (`sites.contacts`) and the event calendar (`sites.calendar`) have modules of their
own; their operations are imported here so other domains use one service:
`from vigil.sites import service as sites_service`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.listing import Sort, Sorting, ranked
from vigil.core.policy import TLP, Principal, acting_org, readable_ids, references, scope
from vigil.geo.distance import bbox, haversine_km
from vigil.geo.geocoding import check_lat_lon, reverse
from vigil.orgs import directory as orgs_directory
from vigil.orgs.recipients import Recipients, change_tlp, recipients_of, set_recipients
from vigil.sites.access import (
    EDITOR_ROLE,
    get_site,
    may_edit,
    may_see_contacts,
    require_editor,
    require_readable_site,
)
from vigil.sites.calendar import add_event, expand, list_events, upcoming_events
from vigil.sites.contacts import (
    contact_name,
    contact_owners,
    contact_places,
    delivery_contacts,
    first_contact_ids,
    reachable_contacts,
    set_contacts,
    site_contacts,
    sites_answered_for,
)
from vigil.sites.kinds import SiteType
from vigil.sites.models import Site
from vigil.sites.premises import DutyTier, duty_tier
from vigil.sites.schemas import (
    DutyTierRead,
    SiteCreate,
    SiteFields,
    SiteFilters,
    SitePage,
    SiteRead,
    SiteUpdate,
)

__all__ = [
    "add_event",
    "contact_name",
    "contact_places",
    "check_radius",
    "create_site",
    "contact_owners",
    "delivery_contacts",
    "expand",
    "first_contact_ids",
    "get_site",
    "list_events",
    "list_sites",
    "may_edit",
    "may_see_contacts",
    "reachable_contacts",
    "read_site",
    "require_readable_site",
    "set_contacts",
    "site_contacts",
    "site_read",
    "site_reads",
    "sites_answered_for",
    "sites_within",
    "update_site",
    "upcoming_events",
]

MAX_RADIUS_KM = 500.0
FIELD_NAMES = tuple(SiteFields.model_fields)


def _apply(site: Site, fields: SiteFields) -> None:
    site.name, site.type = fields.name, fields.type.value
    site.address, site.city, site.country = fields.address, fields.city, fields.country
    site.lat, site.lon = fields.lat, fields.lon
    site.perimeter = (
        json.dumps(fields.perimeter, separators=(",", ":")) if fields.perimeter else None
    )
    site.capacity, site.typical_attendance = fields.capacity, fields.typical_attendance
    site.opening_pattern = fields.opening_pattern
    if not site.city or not site.country:
        # Offline and city-level (DECISIONS 17): fill what a point can tell, never move it.
        found = reverse(site.lat, site.lon)
        if found is not None:
            site.city = site.city or (found.city or "")
            site.country = site.country or found.country


def site_fields(site: Site) -> dict[str, Any]:
    return {
        "name": site.name,
        "type": site.type,
        "address": site.address,
        "city": site.city,
        "country": site.country,
        "lat": site.lat,
        "lon": site.lon,
        "perimeter": json.loads(site.perimeter) if site.perimeter else None,
        "capacity": site.capacity,
        "typical_attendance": site.typical_attendance,
        "opening_pattern": site.opening_pattern,
    }


def create_site(*, session: Session, principal: Principal, data: SiteCreate) -> Site:
    org_id = acting_org(principal, EDITOR_ROLE)
    site = Site(owner_org_id=org_id, author_id=principal.person_id, tlp=data.tlp.value)
    _apply(site, data)
    session.add(site)
    session.flush()
    set_recipients(session, site, data.recipients)
    audit.log_action(
        session,
        principal,
        "site.create",
        target_type="sites",
        target_id=site.id,
        org_id=org_id,
        detail={"tlp": data.tlp.value, "type": site.type},
    )
    return site


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in after if before.get(k) != after[k])


def update_site(*, session: Session, principal: Principal, site_id: int, data: SiteUpdate) -> Site:
    """A partial change, checked as a whole site (a moved point must still fit the perimeter)."""
    site = get_site(session=session, principal=principal, site_id=site_id)
    require_editor(principal, site)
    patch = data.model_dump(exclude_unset=True, exclude={"tlp", "recipients"})
    before = site_fields(site)
    if patch:
        try:
            fields = SiteFields.model_validate({**before, **patch})
        except ValidationError as exc:
            raise Invalid.from_validation(exc) from exc
        _apply(site, fields)
    if data.tlp is not None:
        change_tlp(session, principal, site, data.tlp)
    if data.recipients is not None:
        set_recipients(session, site, data.recipients)
    site.updated_at = utcnow()
    audit.log_action(
        session,
        principal,
        "site.update",
        target_type="sites",
        target_id=site.id,
        org_id=site.owner_org_id,
        detail={
            "fields": _changes(before, site_fields(site)),
            "recipients_changed": data.recipients is not None,
        },
    )
    return site


def site_duty_tier(site: Site) -> DutyTier:
    """The site's tier under the premises rule set of its country (advisory where none)."""
    return duty_tier(site_type=site.type, capacity=site.capacity or None, country=site.country)


def site_read(site: Site, org_name: str, recipients: Recipients | None) -> SiteRead:
    """Recipients are given only to members of the owning organisation."""
    tier = site_duty_tier(site)
    return SiteRead(
        id=site.id,
        owner_org_id=site.owner_org_id,
        owner_org_name=org_name,
        author_id=site.author_id,
        tlp=site.tlp,
        name=site.name,
        type=SiteType(site.type),
        address=site.address,
        city=site.city,
        country=site.country,
        lat=site.lat,
        lon=site.lon,
        perimeter=json.loads(site.perimeter) if site.perimeter else None,
        capacity=site.capacity,
        typical_attendance=site.typical_attendance,
        capacity_tier=tier.capacity_tier,
        duty_tier=DutyTierRead.model_validate(tier, from_attributes=True),
        opening_pattern=site.opening_pattern,
        created_at=site.created_at,
        updated_at=site.updated_at,
        recipients=recipients,
    )


def site_reads(session: Session, principal: Principal, sites: list[Site]) -> list[SiteRead]:
    """Many sites as read models, with their owners' names and recipients in two queries."""
    names = orgs_directory.organisation_names(
        session=session, org_ids={s.owner_org_id for s in sites}
    )
    owned = [s.id for s in sites if s.owner_org_id in principal.org_ids]
    recipients = recipients_of(session, Site, owned)
    return [site_read(s, names.get(s.owner_org_id, ""), recipients.get(s.id)) for s in sites]


def read_site(*, session: Session, principal: Principal, site_id: int) -> SiteRead:
    site = get_site(session=session, principal=principal, site_id=site_id)
    return site_reads(session, principal, [site])[0]


def filtered(filters: SiteFilters, principal: Principal) -> Select[Site]:
    """The policy-scoped query behind the list, the map and the exports."""
    stmt = select(Site)
    if filters.type:
        stmt = stmt.where(Site.type.in_([t.value for t in filters.type]))
    if filters.country:
        stmt = stmt.where(Site.country == filters.country.strip().upper())
    if filters.city:
        stmt = stmt.where(func.lower(Site.city) == filters.city.strip().lower())
    for word in (filters.q or "").split()[:8]:
        pattern = f"%{word.lower()}%"
        stmt = stmt.where(
            or_(func.lower(Site.name).like(pattern), func.lower(Site.address).like(pattern))
        )
    return scope(stmt, Site, principal)


# The columns the list page sorts by (core.listing), each ending on the id. An organisation's
# sites are a few thousand at most: sorting the readable ones needs no index of its own.
SORTING = Sorting(
    columns={
        "name": lambda: [func.lower(Site.name)],
        "type": lambda: [Site.type],
        "place": lambda: [Site.country, func.lower(Site.city)],
        "capacity": lambda: [Site.capacity],
        "tlp": lambda: [ranked(Site.tlp, [t.value for t in reversed(TLP)])],
    },
    default=Sort("name", descending=False),
    tie=lambda: Site.id,
)


def list_sites(
    *,
    session: Session,
    principal: Principal,
    filters: SiteFilters | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: Sort | None = None,
) -> SitePage:
    """Readable sites by name (or `sort`), and how many match."""
    stmt = filtered(filters or SiteFilters(), principal)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = SORTING.order_by(sort) if sort else [Site.name, Site.id]
    sites = list(session.scalars(stmt.order_by(*order).limit(limit).offset(offset)))
    return SitePage(
        items=site_reads(session, principal, sites), total=total, limit=limit, offset=offset
    )


def check_radius(radius_km: float) -> None:
    """The radius of a search around a site or a point (the incidents near a site, too)."""
    if not 0 <= radius_km <= MAX_RADIUS_KM:
        raise Invalid("radius_km", "must be between 0 and %(most)s km", most=f"{MAX_RADIUS_KM:g}")


def _in_box(lat_column: Any, lon_column: Any, lat: float, lon: float, radius_km: float) -> Any:
    min_lat, min_lon, max_lat, max_lon = bbox(lat, lon, radius_km)
    return and_(lat_column.between(min_lat, max_lat), lon_column.between(min_lon, max_lon))


def sites_within(
    *, session: Session, principal: Principal, lat: float, lon: float, radius_km: float
) -> list[tuple[Site, float]]:
    """Visible sites within `radius_km` of the point, nearest first, with their distance."""
    check_lat_lon(lat, lon)
    check_radius(radius_km)
    stmt = scope(
        select(Site).where(_in_box(Site.lat, Site.lon, lat, lon, radius_km)), Site, principal
    )
    found = [(s, haversine_km(lat, lon, s.lat, s.lon)) for s in session.scalars(stmt)]
    return sorted(((s, km) for s, km in found if km <= radius_km), key=lambda p: (p[1], p[0].id))


def shown_site_id(*, session: Session, principal: Principal, site_id: int | None) -> int | None:
    """The id of the site another record points at, as its reader may see it: None when they
    may not read the site (core.policy), so that not even its id reaches them."""
    return references(session, principal, [(Site, site_id)]).shown(Site, site_id)


def readable_site_ids(
    *, session: Session, principal: Principal, site_ids: Iterable[int | None]
) -> frozenset[int]:
    """Which of the sites other records name the principal may read (core.policy): the others
    are shown as null, not even their ids."""
    return readable_ids(session, principal, Site, site_ids)


def readable_site_names(
    *, session: Session, principal: Principal, site_ids: Collection[int]
) -> dict[int, str]:
    """Names of those of the sites the principal may read, in one query; the rest are only
    counted by the caller (an alert's board, DECISIONS 7)."""
    kinds = readable_site_kinds(session=session, principal=principal, site_ids=site_ids)
    return {site_id: name for site_id, (name, _) in kinds.items()}


def readable_site_kinds(
    *, session: Session, principal: Principal, site_ids: Collection[int]
) -> dict[int, tuple[str, SiteType]]:
    """Name and type of those of the sites the principal may read, in one query; the rest are
    only counted by the caller (the sites an alert would reach, DECISIONS 7)."""
    stmt = scope(select(Site.id, Site.name, Site.type), Site, principal)
    rows = session.execute(stmt.where(Site.id.in_(site_ids)))
    return {site_id: (name, SiteType(kind)) for site_id, name, kind in rows}


def readable_site(*, principal: Principal, site_id: int) -> Select[int]:
    """The site's id if the principal may read it, as a select the caller narrows further, so
    that a record of the site is checked in the same statement."""
    return scope(select(Site.id).where(Site.id == site_id), Site, principal)
