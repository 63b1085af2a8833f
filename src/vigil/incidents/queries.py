"""Finding incidents: the filtered, policy-scoped list behind pages, API and exports, and the
incidents around a site."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from vigil.core.listing import Sort, Sorting, ranked
from vigil.core.policy import TLP, Principal, References, references, scope
from vigil.geo.distance import bbox, haversine_km
from vigil.incidents.models import Incident, IncidentCode, Report, ReportVersion, search_text
from vigil.incidents.schemas import IncidentRead, Place
from vigil.incidents.typology import Bias, IncidentType, Severity, Source, Status
from vigil.orgs.recipients import Recipients, recipients_of
from vigil.sites import service as sites_service

FIRST_YEAR, LAST_YEAR = 1900, 2200


class IncidentFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occurred_after: dt.datetime | None = None
    occurred_before: dt.datetime | None = None
    type: list[IncidentType] = Field(default_factory=list)
    bias: list[Bias] = Field(default_factory=list)
    status: list[Status] = Field(default_factory=list)
    country: str | None = Field(None, max_length=2)
    city: str | None = Field(None, max_length=200)
    source: list[Source] = Field(default_factory=list)
    tlp: list[TLP] = Field(default_factory=list)
    severity: list[Severity] = Field(default_factory=list)
    org: int | None = Field(None, ge=1, description="The owner organisation's id.")
    q: str | None = Field(None, max_length=200, description="Words in the title or narrative.")
    include_merged: bool = False

    @field_validator("occurred_after", "occurred_before")
    @classmethod
    def _in_range(cls, value: dt.datetime | None) -> dt.datetime | None:
        # A bound near year 1 or 9999 overflows once moved to UTC in the database.
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"must be a date between {FIRST_YEAR} and {LAST_YEAR}")
        return value


class IncidentListQuery(IncidentFilters):
    """The list's query string: the filters and the page."""

    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


def filter_conditions(filters: IncidentFilters) -> list[ColumnElement[bool]]:
    """The filters as SQL conditions on incidents, unscoped: the list adds the access rule, the
    figures (reports domain) count without reading."""
    where: list[ColumnElement[bool]] = []
    if filters.occurred_after:
        where.append(Incident.occurred_from >= filters.occurred_after)
    if filters.occurred_before:
        where.append(Incident.occurred_from < filters.occurred_before)
    if filters.type:
        where.append(Incident.type.in_([t.value for t in filters.type]))
    if filters.status:
        where.append(Incident.status.in_([s.value for s in filters.status]))
    elif not filters.include_merged:
        where.append(Incident.status != Status.merged.value)
    if filters.bias:
        where.append(
            Incident.id.in_(
                select(IncidentCode.incident_id).where(
                    IncidentCode.scheme == "bias",
                    IncidentCode.code.in_([b.value for b in filters.bias]),
                )
            )
        )
    if filters.country:
        where.append(Incident.country == filters.country.upper())
    if filters.city:
        where.append(func.lower(Incident.city) == filters.city.strip().lower())
    if filters.source:
        where.append(Incident.source.in_([s.value for s in filters.source]))
    if filters.tlp:
        where.append(Incident.tlp.in_([t.value for t in filters.tlp]))
    if filters.severity:
        where.append(Incident.severity.in_([s.value for s in filters.severity]))
    if filters.org is not None:
        where.append(Incident.owner_org_id == filters.org)
    for word in (filters.q or "").split()[:8]:
        where.append(search_text().like(f"%{word.lower()}%"))
    return where


def filtered(filters: IncidentFilters, principal: Principal) -> Select[Incident]:
    return scope(select(Incident).where(*filter_conditions(filters)), Incident, principal)


# Matches are counted exactly up to this many; past it the list says "more than".
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Found:
    """One page of incidents and how many match: exact, or a lower bound."""

    rows: list[Incident]
    total: int
    total_exact: bool

    def has_more(self, offset: int) -> bool:
        return offset + len(self.rows) < self.total or not self.total_exact


def count_matches(session: Session, stmt: Select[Incident], at_most: int) -> tuple[int, bool]:
    """(matches, exact): counts no further than `at_most` + 1 rows.

    An exact count reads every matching row, ~0.5 s for the half of a million incidents one
    person may see; counting stops early instead (docs/performance.md).
    """
    capped = stmt.with_only_columns(Incident.id).limit(at_most + 1).subquery()
    n = session.scalar(select(func.count()).select_from(capped)) or 0
    return (n, True) if n <= at_most else (at_most, False)


# The columns the list pages sort by (core.listing), each ending on the id. The default, newest
# first, is ix_incidents_newest's order; the id is the primary key; the place is
# ix_incidents_place; type and status have their own index; TLP and status are ranked as their
# vocabulary is ordered (loosest sharing first, the lifecycle), a sort of the matching rows.
SORTING = Sorting(
    columns={
        "when": lambda: [Incident.occurred_from],
        "number": lambda: [],
        "place": lambda: [Incident.country, Incident.city],
        "type": lambda: [Incident.type],
        "status": lambda: [ranked(Incident.status, [s.value for s in Status])],
        "tlp": lambda: [ranked(Incident.tlp, [t.value for t in reversed(TLP)])],
    },
    default=Sort("when", descending=True),
    tie=lambda: Incident.id,
)


def list_incidents(
    *,
    session: Session,
    principal: Principal,
    filters: IncidentFilters,
    limit: int,
    offset: int,
    sort: Sort = SORTING.default,
) -> Found:
    """A page, newest first unless `sort` says otherwise, and the number of matches up to
    COUNT_LIMIT or the page's end."""
    stmt = filtered(filters, principal)
    total, exact = count_matches(session, stmt, max(COUNT_LIMIT, offset + limit))
    rows = session.scalars(stmt.order_by(*SORTING.order_by(sort)).limit(limit).offset(offset))
    return Found(list(rows), total, exact)


# Incidents still being worked on: what the dashboard counts as open.
OPEN_STATUSES = (Status.new, Status.triaged, Status.verified)


def open_by_severity(*, session: Session, principal: Principal, org_id: int) -> dict[str, int]:
    """The organisation's open incidents the principal may read, counted by severity, in one
    grouped query (the dashboard's card; the list with the same filters shows them)."""
    filters = IncidentFilters(status=list(OPEN_STATUSES), org=org_id)
    stmt = (
        filtered(filters, principal)
        .with_only_columns(Incident.severity, func.count())
        .group_by(Incident.severity)
    )
    return {severity: int(n) for severity, n in session.execute(stmt)}


# The key of the sites an output names in its References: their table is the sites domain's.
SITE = "site"


def references_with_sites(
    session: Session, principal: Principal, wanted: Iterable[tuple[Any, int | None]]
) -> References:
    """core.policy.references() of incidents' outputs, whose sites (under the key SITE) the
    sites domain resolves: still one query per kind of record named."""
    wanted = list(wanted)
    refs = references(session, principal, [(m, i) for m, i in wanted if m != SITE])
    site_ids = [i for m, i in wanted if m == SITE and i is not None]
    if not site_ids:
        return refs
    sites = sites_service.readable_site_ids(session=session, principal=principal, site_ids=site_ids)
    return References({**refs.readable, SITE: sites})


def incident_references(
    session: Session, principal: Principal, incidents: list[Incident]
) -> References:
    """The sites and incidents a page of incidents names, as `principal` may follow them."""
    return references_with_sites(
        session,
        principal,
        [(SITE, i.site_id) for i in incidents] + [(Incident, i.merged_into_id) for i in incidents],
    )


def incident_reads(
    *, session: Session, principal: Principal, incidents: list[Incident]
) -> list[IncidentRead]:
    """Incidents as `principal` reads them: a site or incident they may not read shows as null."""
    refs = incident_references(session, principal, incidents)
    return [incident_read(i, refs) for i in incidents]


def read_incident(*, session: Session, principal: Principal, incident: Incident) -> IncidentRead:
    return incident_reads(session=session, principal=principal, incidents=[incident])[0]


def incident_read(incident: Incident, refs: References) -> IncidentRead:
    """One incident, its references resolved by `refs` (from `incident_references`)."""
    return IncidentRead(
        id=incident.id,
        owner_org_id=incident.owner_org_id,
        tlp=TLP(incident.tlp),
        status=Status(incident.status),
        source=Source(incident.source),
        title=incident.title,
        narrative=incident.narrative,
        occurred_from=incident.occurred_from,
        occurred_to=incident.occurred_to,
        timezone=incident.timezone,
        place=Place(
            lat=incident.lat,
            lon=incident.lon,
            address=incident.address,
            city=incident.city,
            country=incident.country,
            precision=incident.precision,
        ),
        type=IncidentType(incident.type),
        bias=[Bias(b) for b in incident.codes_of("bias")],
        ihra=incident.codes_of("ihra"),
        target_kind=incident.target_kind,
        injuries=incident.injuries,
        damage=incident.damage,
        police_reported=incident.police_reported,
        police_reference=incident.police_reference,
        severity=incident.severity,
        merged_into_id=refs.shown(Incident, incident.merged_into_id),
        site_id=refs.shown(SITE, incident.site_id),
        source_org=incident.source_org,
        created_at=incident.created_at,
        updated_at=incident.updated_at,
    )


def incidents_to_share(
    *, session: Session, principal: Principal, filters: IncidentFilters, limit: int
) -> list[IncidentRead]:
    """Incidents `principal` may read that may leave the instance (STIX), newest first.

    A RED incident never leaves, whoever asks: it is cut here in SQL, and the STIX mapping
    refuses the RED marking besides.
    """
    stmt = filtered(filters, principal).where(Incident.tlp != TLP.red.value)
    rows = list(
        session.scalars(
            stmt.order_by(Incident.occurred_from.desc(), Incident.id.desc()).limit(limit)
        )
    )
    return incident_reads(session=session, principal=principal, incidents=rows)


class SitePoint(Protocol):
    """A site as the search around it needs it (a site row or its read model)."""

    @property
    def id(self) -> int: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...


def incidents_near(
    *,
    session: Session,
    principal: Principal,
    site: SitePoint,
    radius_km: float,
    since: dt.datetime | None = None,
    limit: int | None = None,
) -> list[tuple[Incident, float]]:
    """Incidents the principal may read within `radius_km` of the site (or linked to it),
    since `since`, nearest first; linked incidents without a point count as at the site."""
    sites_service.check_radius(radius_km)
    min_lat, min_lon, max_lat, max_lon = bbox(site.lat, site.lon, radius_km)
    near = and_(
        Incident.lat.is_not(None),
        Incident.lat.between(min_lat, max_lat),
        Incident.lon.between(min_lon, max_lon),
    )
    stmt = filtered(IncidentFilters(occurred_after=since), principal).where(
        or_(near, Incident.site_id == site.id)
    )
    found: list[tuple[Incident, float]] = []
    for incident in session.scalars(stmt):
        if incident.lat is None or incident.lon is None:
            found.append((incident, 0.0))
            continue
        km = haversine_km(site.lat, site.lon, incident.lat, incident.lon)
        if km <= radius_km or incident.site_id == site.id:
            found.append((incident, km))
    found.sort(key=lambda pair: (pair[1], -pair[0].occurred_from.timestamp()))
    return found[:limit] if limit is not None else found


def incidents_changed_since(
    *,
    session: Session,
    since: dt.datetime | None,
    after_id: int,
    limit: int,
    owner_org_id: int | None = None,
) -> list[tuple[IncidentRead, Recipients]]:
    """Incidents edited at or after `since` (all when None), by id after `after_id`, RED
    included, each with its recipients: the source of sharing's STIX store, which applies
    `core.policy` to what it holds when it answers. Unscoped: never show these to a person.

    References to sites and incidents are left out (the STIX mapping does not use them)."""
    stmt = select(Incident).where(Incident.id > after_id)
    if since is not None:
        stmt = stmt.where(Incident.updated_at >= since)
    if owner_org_id is not None:
        stmt = stmt.where(Incident.owner_org_id == owner_org_id)
    rows = list(session.scalars(stmt.order_by(Incident.id).limit(limit)))
    recipients = recipients_of(session, Incident, [i.id for i in rows])
    return [(incident_read(i, References()), recipients[i.id]) for i in rows]


@dataclass(frozen=True)
class ReportText:
    """What a report said (its latest version's title and narrative) and its sharing: never
    its author, its reporter's contact or its place."""

    id: int
    incident_id: int
    owner_org_id: int
    tlp: TLP
    title: str
    narrative: str
    created_at: dt.datetime
    said_at: dt.datetime


def report_texts(*, session: Session, incident_ids: Iterable[int]) -> list[ReportText]:
    """The latest text of each report attached to the incidents (rejected reports never),
    unscoped: the sharing domain keeps those that reach every reader of their incident."""
    wanted = sorted(set(incident_ids))
    if not wanted:
        return []
    latest = (
        select(Report, ReportVersion)
        .join(
            ReportVersion,
            (ReportVersion.report_id == Report.id) & (ReportVersion.version == Report.version),
        )
        .where(Report.incident_id.in_(wanted), Report.status != "rejected")
        .order_by(Report.created_at, Report.id)
    )
    found = []
    for report, version in session.execute(latest):
        data = json.loads(version.data)
        found.append(
            ReportText(
                id=report.id,
                incident_id=report.incident_id or 0,
                owner_org_id=report.owner_org_id,
                tlp=TLP(report.tlp),
                title=str(data.get("title") or ""),
                narrative=str(data.get("narrative") or ""),
                created_at=report.created_at,
                said_at=version.created_at,
            )
        )
    return found
