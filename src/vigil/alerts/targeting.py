"""Which sites an alert reaches: inside its circle, polygons, countries or cities, of the chosen
site types and networks, among the organisations the sending one may alert.

A coordinator alerts the sites of their organisation, of its descendants (local branches, the
site operators a security organisation protects) and of every organisation in a network it
belongs to — whether or not they may read those sites: the preview shows only totals
(DECISIONS 7). The SQL narrows by bounding box; the exact shape test runs on what is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from vigil.alerts.cap import Circle
from vigil.alerts.models import Subscription, Webhook
from vigil.core.errors import Invalid
from vigil.geo.distance import bbox, haversine_km
from vigil.geo.shapes import Area
from vigil.orgs.models import Organisation, network_members
from vigil.sites.models import Site, SiteContact


@dataclass
class Target:
    """An area (any mix of shapes and places; a site in any of them is in) and filters."""

    circle: Circle | None = None
    polygons: list[list[tuple[float, float]]] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2
    cities: list[str] = field(default_factory=list)
    site_types: list[str] = field(default_factory=list)  # empty: every type
    network_ids: list[int] = field(default_factory=list)  # empty: every reachable organisation

    @property
    def has_area(self) -> bool:
        """A point (a circle of radius 0, as an imported message may give) reaches no site."""
        circle = self.circle is not None and self.circle.radius_km > 0
        return bool(circle or self.polygons or self.countries or self.cities)


@dataclass(frozen=True)
class Reach:
    sites: int
    people: int
    webhooks: int = 0


def reachable_orgs(session: Session, *, org_id: int, network_ids: list[int]) -> set[int]:
    """Organisations whose sites `org_id` may alert, narrowed to `network_ids` when given."""
    my_networks = set(
        session.scalars(
            select(network_members.c.network_id).where(network_members.c.org_id == org_id)
        )
    )
    if network_ids:
        foreign = sorted(set(network_ids) - my_networks)
        if foreign:
            raise Invalid(
                "network_ids",
                f"your organisation is not in network(s) {', '.join(map(str, foreign))}",
            )
        return set(
            session.scalars(
                select(network_members.c.org_id).where(
                    network_members.c.network_id.in_(network_ids)
                )
            )
        )
    orgs = {org_id} | _descendants(session, org_id)
    if my_networks:
        orgs |= set(
            session.scalars(
                select(network_members.c.org_id).where(
                    network_members.c.network_id.in_(my_networks)
                )
            )
        )
    return orgs


def _descendants(session: Session, org_id: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for child, parent in session.execute(select(Organisation.id, Organisation.parent_id)):
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[int] = set()
    frontier = [org_id]
    while frontier:
        nxt = [c for o in frontier for c in children.get(o, []) if c not in found]
        found.update(nxt)
        frontier = nxt
    return found


def _area_clause(target: Target) -> ColumnElement[bool]:
    """A superset of the area in plain SQL: bounding boxes, country codes, city names."""
    parts: list[ColumnElement[bool]] = []
    if target.circle is not None:
        c = target.circle
        min_lat, min_lon, max_lat, max_lon = bbox(c.lat, c.lon, c.radius_km)
        parts.append(and_(Site.lat.between(min_lat, max_lat), Site.lon.between(min_lon, max_lon)))
    for ring in target.polygons:
        min_lat, min_lon, max_lat, max_lon = Area(ring).bbox
        parts.append(and_(Site.lat.between(min_lat, max_lat), Site.lon.between(min_lon, max_lon)))
    if target.countries:
        parts.append(Site.country.in_([c.upper() for c in target.countries]))
    if target.cities:
        parts.append(func.lower(Site.city).in_([c.strip().lower() for c in target.cities]))
    return or_(*parts) if parts else false()


def target_sites(session: Session, *, org_id: int, target: Target) -> list[tuple[int, int]]:
    """(site id, owner organisation id) of every site the alert reaches, by site id."""
    if not target.has_area:
        raise Invalid("area", "give a circle, a polygon, countries or cities")
    orgs = reachable_orgs(session, org_id=org_id, network_ids=target.network_ids)
    if not orgs:
        return []
    stmt = select(Site.id, Site.owner_org_id, Site.lat, Site.lon, Site.country, Site.city).where(
        Site.owner_org_id.in_(sorted(orgs)), _area_clause(target)
    )
    if target.site_types:
        stmt = stmt.where(Site.type.in_(target.site_types))
    areas = [Area(ring) for ring in target.polygons]
    countries = {c.upper() for c in target.countries}
    cities = {c.strip().lower() for c in target.cities}
    circle = target.circle
    found = []
    for site_id, owner, lat, lon, country, city in session.execute(stmt.order_by(Site.id)):
        in_circle = circle is not None and (
            haversine_km(circle.lat, circle.lon, lat, lon) <= circle.radius_km
        )
        inside = (
            in_circle
            or any(a.contains(lat, lon) for a in areas)
            or country in countries
            or (city or "").lower() in cities
        )
        if inside:
            found.append((site_id, owner))
    return found


def first_contacts(session: Session, site_ids: list[int]) -> dict[int, list[int]]:
    """The contacts an alert reaches first at each site: those of its lowest priority."""
    found: dict[int, list[int]] = {}
    for chunk in _chunks(site_ids):
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


def subscribers(session: Session, org_ids: set[int]) -> dict[int, list[int]]:
    """Members who opted in to alert e-mails, by organisation."""
    found: dict[int, list[int]] = {}
    rows = session.execute(
        select(Subscription.org_id, Subscription.person_id).where(
            Subscription.org_id.in_(sorted(org_ids))
        )
    )
    for org_id, person_id in rows:
        found.setdefault(org_id, []).append(person_id)
    return found


def reach(session: Session, *, org_id: int, target: Target) -> Reach:
    """How many sites and people an alert would reach (totals only: DECISIONS 7)."""
    sites = target_sites(session, org_id=org_id, target=target)
    contacts = first_contacts(session, [s for s, _ in sites])
    people = sum(len(c) for c in contacts.values())
    orgs = {o for _, o in sites}
    subscribed = subscribers(session, orgs)
    people += len({p for persons in subscribed.values() for p in persons})
    endpoints = webhook_counts(session, orgs)
    webhooks = sum(endpoints.get(o, 0) for _, o in sites)
    return Reach(sites=len(sites), people=people, webhooks=webhooks)


def webhook_counts(session: Session, org_ids: set[int]) -> dict[int, int]:
    """Active webhook endpoints per organisation (the fan-out calls each once per site)."""
    rows = session.execute(
        select(Webhook.org_id, func.count())
        .where(Webhook.org_id.in_(sorted(org_ids)), Webhook.active.is_(True))
        .group_by(Webhook.org_id)
    )
    return {org_id: n for org_id, n in rows}


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
