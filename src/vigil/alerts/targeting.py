"""Which sites an alert reaches: inside its circle, polygons, countries or cities, of the chosen
site types and networks, among the organisations the sending one may alert.

A coordinator alerts the sites of their organisation, of its descendants (local branches, the
site operators a security organisation protects) and of every organisation in a network it
belongs to — whether or not they may read those sites: the preview shows only totals
(DECISIONS 7). The SQL narrows by bounding box; the exact shape test runs on what is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.alerts.cap import Circle
from vigil.alerts.models import Subscription, Webhook
from vigil.alerts.schemas import AlertCreate
from vigil.core.errors import Invalid
from vigil.geo.distance import bbox, haversine_km
from vigil.geo.shapes import Area
from vigil.orgs import directory as orgs_directory
from vigil.sites import directory as sites_directory
from vigil.sites import service as sites_service


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
    # (site id, owner) of each site reached: for the caller to name those its reader may read,
    # never to show as they are (DECISIONS 7).
    reached: tuple[tuple[int, int], ...] = ()


def target_from(data: AlertCreate) -> Target:
    """The target of a composed alert (the preview, the listing of reached sites, sending)."""
    return Target(
        circle=data.circle,
        polygons=data.polygons,
        countries=data.countries,
        cities=data.cities,
        site_types=[t.value for t in data.site_types],
        network_ids=data.network_ids,
    )


def reachable_orgs(session: Session, *, org_id: int, network_ids: list[int]) -> set[int]:
    """Organisations whose sites `org_id` may alert, narrowed to `network_ids` when given."""
    my_networks = orgs_directory.network_ids_of(session=session, org_id=org_id)
    if network_ids:
        foreign = sorted(set(network_ids) - my_networks)
        if foreign:
            raise Invalid(
                "network_ids",
                "your organisation is not in network(s) %(networks)s",
                networks=", ".join(map(str, foreign)),
            )
        return orgs_directory.network_member_ids(session=session, network_ids=network_ids)
    orgs = {org_id} | orgs_directory.descendant_ids(session=session, org_id=org_id)
    if my_networks:
        orgs |= orgs_directory.network_member_ids(session=session, network_ids=my_networks)
    return orgs


def _boxes(target: Target) -> list[tuple[float, float, float, float]]:
    """Bounding boxes of the circle and polygons, for the SQL to narrow by."""
    boxes = []
    if target.circle is not None:
        c = target.circle
        boxes.append(bbox(c.lat, c.lon, c.radius_km))
    boxes += [Area(ring).bbox for ring in target.polygons]
    return boxes


def target_sites(session: Session, *, org_id: int, target: Target) -> list[tuple[int, int]]:
    """(site id, owner organisation id) of every site the alert reaches, by site id."""
    if not target.has_area:
        raise Invalid("area", "give a circle, a polygon, countries or cities")
    orgs = reachable_orgs(session, org_id=org_id, network_ids=target.network_ids)
    if not orgs:
        return []
    candidates = sites_directory.sites_in_area(
        session=session,
        owner_org_ids=orgs,
        boxes=_boxes(target),
        countries=target.countries,
        cities=target.cities,
        types=target.site_types,
    )
    areas = [Area(ring) for ring in target.polygons]
    countries = {c.upper() for c in target.countries}
    cities = {c.strip().lower() for c in target.cities}
    circle = target.circle
    found = []
    for site_id, owner, lat, lon, country, city in candidates:
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
    contacts = sites_service.first_contact_ids(session=session, site_ids=[s for s, _ in sites])
    people = sum(len(c) for c in contacts.values())
    orgs = {o for _, o in sites}
    subscribed = subscribers(session, orgs)
    people += len({p for persons in subscribed.values() for p in persons})
    endpoints = webhook_counts(session, orgs)
    webhooks = sum(endpoints.get(o, 0) for _, o in sites)
    return Reach(sites=len(sites), people=people, webhooks=webhooks, reached=tuple(sites))


def webhook_counts(session: Session, org_ids: set[int]) -> dict[int, int]:
    """Active webhook endpoints per organisation (the fan-out calls each once per site)."""
    rows = session.execute(
        select(Webhook.org_id, func.count())
        .where(Webhook.org_id.in_(sorted(org_ids)), Webhook.active.is_(True))
        .group_by(Webhook.org_id)
    )
    return {org_id: n for org_id, n in rows}
