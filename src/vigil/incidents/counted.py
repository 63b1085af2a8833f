"""The incidents the figures count (reports domain), read in batches with their codes: the
columns counting needs and nothing else, never scoped (counting is not reading; DOMAIN.md
counting rules 6 and 7)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from vigil.incidents.models import Incident, IncidentCode
from vigil.incidents.queries import IncidentFilters, filter_conditions

BATCH = 20_000
# Ids per IN (...) list: under SQLite's oldest limit on bound parameters.
IDS_PER_QUERY = 900


@dataclass(frozen=True, slots=True)
class CountedIncident:
    id: int
    owner_org_id: int
    occurred_from: dt.datetime
    timezone: str
    status: str
    type: str
    target_kind: str
    country: str
    city: str
    lat: float | None
    lon: float | None
    source: str
    tlp: str
    injuries: int
    codes: dict[str, list[str]]  # scheme -> codes


_COLUMNS = (
    Incident.id,
    Incident.owner_org_id,
    Incident.occurred_from,
    Incident.timezone,
    Incident.status,
    Incident.type,
    Incident.target_kind,
    Incident.country,
    Incident.city,
    Incident.lat,
    Incident.lon,
    Incident.source,
    Incident.tlp,
    Incident.injuries,
)


def counted_incidents(
    session: Session,
    *,
    statuses: Sequence[str],
    filters: IncidentFilters | None = None,
    org_ids: Sequence[int] | None = None,
    target_kinds: Sequence[str] = (),
) -> Iterator[CountedIncident]:
    """Incidents with one of `statuses` matching the list's filters (its status filter aside),
    of these organisations (all when None), in id order."""
    where = filter_conditions((filters or IncidentFilters()).model_copy(update={"status": []}))
    where.append(Incident.status.in_(list(statuses)))
    if org_ids is not None:
        where.append(Incident.owner_org_id.in_(list(org_ids)))
    if target_kinds:
        where.append(Incident.target_kind.in_(list(target_kinds)))
    after = 0
    while True:
        rows = session.execute(
            select(*_COLUMNS).where(Incident.id > after, *where).order_by(Incident.id).limit(BATCH)
        ).all()
        if not rows:
            return
        codes = _codes(session, rows[0].id, rows[-1].id, where)
        for row in rows:
            yield CountedIncident(
                id=row.id,
                owner_org_id=row.owner_org_id,
                occurred_from=row.occurred_from,
                timezone=row.timezone or "UTC",
                status=row.status,
                type=row.type,
                target_kind=row.target_kind or "",
                country=row.country or "",
                city=row.city or "",
                lat=row.lat,
                lon=row.lon,
                source=row.source,
                tlp=row.tlp,
                injuries=row.injuries or 0,
                codes=codes.get(row.id, {}),
            )
        if len(rows) < BATCH:
            return
        after = rows[-1].id


def _codes(
    session: Session, first: int, last: int, where: list[ColumnElement[bool]]
) -> dict[int, dict[str, list[str]]]:
    """The codes of the batch's incidents: joined to them under the same conditions, since the
    id range of one organisation's or one month's incidents spans everyone else's too."""
    found: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = session.execute(
        select(IncidentCode.incident_id, IncidentCode.scheme, IncidentCode.code)
        .join(Incident, Incident.id == IncidentCode.incident_id)
        .where(IncidentCode.incident_id.between(first, last), *where)
    )
    for incident_id, scheme, code in rows:
        found[incident_id][scheme].append(code)
    return found


def incident_titles(session: Session, *, ids: Sequence[int]) -> dict[int, str]:
    """The titles of these incidents, unscoped: the ODIHR export (reports domain) lists the
    title of an incident whose marking allows publishing as its short description, and never
    anything a reporter wrote."""
    found: dict[int, str] = {}
    wanted = sorted(set(ids))
    for first in range(0, len(wanted), IDS_PER_QUERY):
        chunk = wanted[first : first + IDS_PER_QUERY]
        rows = session.execute(select(Incident.id, Incident.title).where(Incident.id.in_(chunk)))
        found.update({row.id: row.title for row in rows})
    return found
