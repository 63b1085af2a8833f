"""Duplicate detection: the incidents a report (or another incident) most likely describes again.

Candidates are computed when asked and when a report arrives, never stored. SQL narrows the
incidents to the few the principal may read (always through core.policy) that lie in a time window
on the indexed `occurred_from` and, when a place is known, in a bounding box; the score and its
reasons are then computed by duplicate_scoring, so a coordinator sees why an incident is suggested.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.rows import namedtuple_row
from pydantic import ValidationError
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Row,
    and_,
    bindparam,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from vigil.core.errors import Forbidden, Invalid
from vigil.core.policy import Principal, Role, scope
from vigil.geo.distance import bbox
from vigil.incidents import reports as reports_service
from vigil.incidents import service
from vigil.incidents.duplicate_features import TEXT_CHARS
from vigil.incidents.duplicate_reasons import reasons
from vigil.incidents.duplicate_schemas import Candidate
from vigil.incidents.duplicate_scoring import (
    CITY_RADIUS_KM,
    DISTANCE_ZERO_KM,
    EXACT_PRECISIONS,
    TIME_ZERO_HOURS,
    Account,
    Closeness,
    bound,
    closeness,
)
from vigil.incidents.models import Incident
from vigil.incidents.schemas import IncidentFields
from vigil.incidents.typology import Precision, Status

DEFAULT_LIMIT = 5
MAX_LIMIT = 20
# Nearest rows in time fetched on each side of the moment: bounds the work when the window is
# crowded (many incidents without a place), whatever the size of the table.
PREFILTER_ROWS_PER_SIDE = 200
# Prefilter statements kept built: one per kind of place and principal (their organisations).
STATEMENTS_CACHED = 512
CORNERS = ("min_lat", "min_lon", "max_lat", "max_lon")


@dataclass
class _Prefilter:
    """A prefilter statement and, once run on PostgreSQL, its SQL and fixed parameters."""

    statement: CompoundSelect[Any]
    compiled: tuple[str, dict[str, Any]] | None = None


_statements: dict[Hashable, _Prefilter] = {}


_COLUMNS = (
    Incident.id,
    Incident.title,
    func.substr(Incident.narrative, 1, TEXT_CHARS).label("narrative"),
    Incident.occurred_from,
    Incident.lat,
    Incident.lon,
    Incident.precision,
    Incident.city,
    Incident.country,
    Incident.type,
    Incident.address,
    Incident.target_kind,
    Incident.site_id,
)


def _near(radius: str) -> ColumnElement[bool]:
    """Within the bounding box whose corners are the parameters `<radius>_min_lat` and so on."""
    return and_(
        Incident.lat.between(bindparam(f"{radius}_min_lat"), bindparam(f"{radius}_max_lat")),
        Incident.lon.between(bindparam(f"{radius}_min_lon"), bindparam(f"{radius}_max_lon")),
    )


def _principal_key(principal: Principal) -> Hashable:
    roles = tuple(sorted((org, role.value) for org, role in principal.roles.items()))
    return (
        principal.person_id,
        roles,
        principal.ancestor_org_ids,
        principal.network_org_ids,
        principal.acting_org_id,
        principal.is_platform_admin,
    )


def _statement(shape: str, principal: Principal) -> _Prefilter:
    key = (shape, _principal_key(principal))
    found = _statements.get(key)
    if found is None:
        if len(_statements) >= STATEMENTS_CACHED:
            _statements.clear()
        found = _statements[key] = _Prefilter(_built(shape, principal))
    return found


def _built(shape: str, principal: Principal) -> CompoundSelect[Any]:
    """The prefilter for places of one `shape` as seen by one principal, with the moment, the
    boxes and the country as parameters: built once and reused, so that SQLAlchemy neither
    rebuilds the statement, the policy's clause nor its cache key for every report (most of the
    search's cost when they were built each time; docs/performance.md)."""
    conditions = [Incident.status != Status.merged.value, Incident.id != bindparam("exclude")]
    if shape == "point":
        conditions.append(
            or_(
                and_(Incident.precision.in_(EXACT_PRECISIONS), _near("exact")),
                and_(Incident.precision == Precision.city.value, _near("city")),
                Incident.lat.is_(None),
                Incident.precision == Precision.country.value,
            )
        )
    elif shape == "country":
        conditions.append(Incident.country.in_([bindparam("country"), ""]))
    # Written once as a CTE that both sides read (NOT MATERIALIZED: each side is still planned
    # as its own index scan by time): the statement stays under psycopg's 4,096 bytes, below
    # which it converts the statement's placeholders once, not at every search.
    readable = (
        scope(select(*_COLUMNS).where(*conditions), Incident, principal)
        .cte("r")  # a short name: it is written some 40 times
        .prefix_with("NOT MATERIALIZED")
    )
    when = readable.c.occurred_from
    moment = bindparam("moment", type_=Incident.occurred_from.type)
    since = bindparam("since", type_=Incident.occurred_from.type)
    until = bindparam("until", type_=Incident.occurred_from.type)
    sides = (
        select(readable).where(when <= moment, when > since).order_by(when.desc()),
        select(readable).where(when > moment, when < until).order_by(when),
    )
    return union_all(*(select(side.limit(PREFILTER_ROWS_PER_SIDE).subquery()) for side in sides))


def _prefilter(
    account: Account, principal: Principal, exclude_incident_id: int | None
) -> tuple[_Prefilter, dict[str, Any]]:
    """The readable rows nearest in time, on either side, that could be the event (one query),
    and its parameters."""
    window = dt.timedelta(hours=TIME_ZERO_HOURS)
    moment = account.occurred_from
    params: dict[str, Any] = {
        "exclude": -1 if exclude_incident_id is None else exclude_incident_id,
        "moment": moment,
        "since": moment - window,
        "until": moment + window,
    }
    point = account.point
    if point is not None:
        shape = "point"
        exact_radius = DISTANCE_ZERO_KM if account.is_exact else CITY_RADIUS_KM
        for radius, km in (("exact", exact_radius), ("city", CITY_RADIUS_KM)):
            corners = dict(zip(CORNERS, bbox(*point, km), strict=True))
            params |= {f"{radius}_{corner}": value for corner, value in corners.items()}
    elif account.country:
        shape = "country"
        params["country"] = account.country
    else:
        shape = "anywhere"
    return _statement(shape, principal), params


def nearby_rows(
    session: Session, principal: Principal, account: Account, exclude_incident_id: int | None
) -> Sequence[Row[Any]]:
    """The rows the score is computed for: the search's one SQL statement (bench/reports.py
    times it alone, as the floor of the search's cost)."""
    prefilter, params = _prefilter(account, principal, exclude_incident_id)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return session.execute(prefilter.statement, params).all()
    sql, fixed = _compiled(prefilter, params, connection.dialect)
    # Straight to psycopg, in the session's transaction: SQLAlchemy's result set-up cost as
    # much as the rest of the statement's handling.
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor(row_factory=namedtuple_row) as cursor:
        cursor.execute(sql, fixed | params)
        rows: list[Any] = cursor.fetchall()
    return rows


def _compiled(
    prefilter: _Prefilter, params: dict[str, Any], dialect: Dialect
) -> tuple[str, dict[str, Any]]:
    """The statement compiled for PostgreSQL once, its fixed parameters (the policy's
    organisations and the like) rendered in. Executing it as a SQLAlchemy statement computed its
    cache key and processed its parameters and rows at every search: twice the cost of the query
    itself in the driver. On PostgreSQL the parameters and columns need no processing (psycopg
    reads and writes datetimes and numbers as they are); SQLite's do, so it keeps the statement."""
    if prefilter.compiled is None:
        # The lists of the policy's clause (the organisations) are written out as parameters
        # once; the first search's own values only fill the others, which every search passes.
        expanded = prefilter.statement.compile(dialect=dialect).construct_expanded_state(params)
        prefilter.compiled = (expanded.statement, dict(expanded.parameters))
    return prefilter.compiled


def _ranked(
    *,
    session: Session,
    principal: Principal,
    account: Account,
    exclude_incident_id: int | None,
    limit: int,
) -> list[Candidate]:
    limit = max(0, min(limit, MAX_LIMIT))
    # Time and place are cheap and bound the score from above (evidence <= 1), so the words are
    # read only while a row could still enter the top `limit`.
    bounded: list[tuple[float, int, Account]] = []
    for row in nearby_rows(session, principal, account, exclude_incident_id):
        other = Account(
            title=row.title,
            narrative=row.narrative or "",
            occurred_from=row.occurred_from,
            lat=row.lat,
            lon=row.lon,
            precision=row.precision,
            city=row.city,
            country=row.country,
            type=row.type,
            address=row.address or "",
            target_kind=row.target_kind,
            site_id=row.site_id,
        )
        highest = bound(account, other)[3]
        if highest > 0:
            bounded.append((highest, row.id, other))
    bounded.sort(key=lambda item: (-item[0], item[1]))
    found: list[tuple[float, float, int, Closeness, Account]] = []
    for highest, incident_id, other in bounded:
        if len(found) >= limit and -found[limit - 1][0] > highest:
            break
        c = closeness(account, other)
        if c.score > 0:
            bisect.insort(found, (-c.score, c.hours, incident_id, c, other), key=lambda f: f[:3])
    # The reasons are put into words for the candidates shown only.
    return [_candidate(i, c, account, other) for _, _, i, c, other in found[:limit]]


def _candidate(incident_id: int, c: Closeness, account: Account, other: Account) -> Candidate:
    why = reasons(c, account, other)
    return Candidate(
        incident_id=incident_id,
        title=other.title,
        occurred_from=other.occurred_from,
        city=other.city,
        type=other.type,
        score=round(c.score, 3),
        suggested=c.suggested,
        reasons=[r.text for r in why],
        hours_apart=round(c.hours, 2),
        km_apart=None if c.km is None else round(c.km, 3),
        text_similarity=round(c.wording or 0.0, 3),
        same_type=c.same_type,
        place_precision=c.precision,
        carried_by=c.carried_by,
        reason_details=why,
    )


def candidates(
    *,
    session: Session,
    principal: Principal,
    fields: IncidentFields,
    exclude_incident_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Candidate]:
    """Incidents the principal may read that may be the event `fields` describe, best first."""
    return _ranked(
        session=session,
        principal=principal,
        account=Account.of_fields(fields),
        exclude_incident_id=exclude_incident_id,
        limit=limit,
    )


def report_candidates(
    *, session: Session, principal: Principal, report_id: int, limit: int = DEFAULT_LIMIT
) -> list[Candidate]:
    """Candidates for a report, for coordinators of its organisation (they triage it)."""
    report = reports_service.get_report(session=session, principal=principal, report_id=report_id)
    if not principal.has_role(report.owner_org_id, Role.coordinator):
        raise Forbidden("Duplicates of a report are for coordinators of its organisation.")
    try:
        fields = IncidentFields.model_validate(reports_service.latest_version(session, report.id))
    except ValidationError as exc:
        raise Invalid.from_validation(exc) from exc
    return candidates(
        session=session,
        principal=principal,
        fields=fields,
        exclude_incident_id=report.incident_id,
        limit=limit,
    )


def incident_candidates(
    *, session: Session, principal: Principal, incident_id: int, limit: int = DEFAULT_LIMIT
) -> list[Candidate]:
    """Other incidents the principal may read that are likely the same event as this one."""
    incident = service.get_incident(session=session, principal=principal, incident_id=incident_id)
    return _ranked(
        session=session,
        principal=principal,
        account=Account.of_incident(incident),
        exclude_incident_id=incident.id,
        limit=limit,
    )
