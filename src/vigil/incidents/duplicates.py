"""Duplicate detection: the incidents a report (or another incident) most likely describes again.

Candidates are computed when asked and when a report arrives, never stored. SQL narrows the
incidents to the few the principal may read (always through core.policy) that lie in a time window
on the indexed `occurred_from` and, when a place is known, in a bounding box; the score and its
reasons are then computed by duplicate_scoring, so a coordinator sees why an incident is suggested.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, CompoundSelect, Row, and_, func, or_, select, union_all
from sqlalchemy.orm import Session

from vigil.core.errors import Forbidden, Invalid
from vigil.core.policy import Principal, Role, scope
from vigil.geo.distance import bbox
from vigil.incidents import reports as reports_service
from vigil.incidents import service
from vigil.incidents.duplicate_features import TEXT_CHARS
from vigil.incidents.duplicate_reasons import reasons
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
from vigil.incidents.schemas import Candidate, IncidentFields
from vigil.incidents.typology import Precision, Status

DEFAULT_LIMIT = 5
MAX_LIMIT = 20
# Nearest rows in time fetched on each side of the moment: bounds the work when the window is
# crowded (many incidents without a place), whatever the size of the table.
PREFILTER_ROWS_PER_SIDE = 200


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


def _near(lat: float, lon: float, radius_km: float) -> ColumnElement[bool]:
    min_lat, min_lon, max_lat, max_lon = bbox(lat, lon, radius_km)
    return and_(Incident.lat.between(min_lat, max_lat), Incident.lon.between(min_lon, max_lon))


def _prefilter(
    account: Account, principal: Principal, exclude_incident_id: int | None
) -> CompoundSelect[Any]:
    """The readable rows nearest in time, on either side, that could be the event (one query)."""
    conditions = [Incident.status != Status.merged.value]
    if exclude_incident_id is not None:
        conditions.append(Incident.id != exclude_incident_id)
    point = account.point
    if point is not None:
        exact_radius = DISTANCE_ZERO_KM if account.is_exact else CITY_RADIUS_KM
        conditions.append(
            or_(
                and_(Incident.precision.in_(EXACT_PRECISIONS), _near(*point, exact_radius)),
                and_(Incident.precision == Precision.city.value, _near(*point, CITY_RADIUS_KM)),
                Incident.lat.is_(None),
                Incident.precision == Precision.country.value,
            )
        )
    elif account.country:
        conditions.append(Incident.country.in_([account.country, ""]))
    readable = scope(select(*_COLUMNS).where(*conditions), Incident, principal)
    moment, window = account.occurred_from, dt.timedelta(hours=TIME_ZERO_HOURS)
    before = readable.where(
        Incident.occurred_from <= moment, Incident.occurred_from > moment - window
    ).order_by(Incident.occurred_from.desc())
    after = readable.where(
        Incident.occurred_from > moment, Incident.occurred_from < moment + window
    ).order_by(Incident.occurred_from)
    return union_all(
        *(select(side.limit(PREFILTER_ROWS_PER_SIDE).subquery()) for side in (before, after))
    )


def nearby_rows(
    session: Session, principal: Principal, account: Account, exclude_incident_id: int | None
) -> Sequence[Row[Any]]:
    """The rows the score is computed for: the search's one SQL statement (bench/reports.py
    times it alone, as the floor of the search's cost)."""
    return session.execute(_prefilter(account, principal, exclude_incident_id)).all()


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
    found: list[tuple[float, float, int, Candidate]] = []
    for highest, incident_id, other in bounded:
        if len(found) >= limit and -found[limit - 1][0] > highest:
            break
        c = closeness(account, other)
        score = c.score
        if score > 0:
            bisect.insort(
                found, (-score, c.hours, incident_id, _candidate(incident_id, c, account, other))
            )
    return [item[3] for item in found[:limit]]


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
