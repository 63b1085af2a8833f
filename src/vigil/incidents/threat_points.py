"""Incidents as points in time and space, for the threat score of sites (assessments).

No access check: threat counts every incident, and only totals and bands leave the caller
(DECISIONS 7). Kept apart from `incidents.service`, whose reads are the reader's view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from vigil.incidents.models import Incident
from vigil.incidents.typology import Status

# Incidents that are not events of their own: rejected reports and merged duplicates.
NOT_EVENTS = (Status.rejected.value, Status.merged.value)


def threat_incidents_in_box(
    *,
    session: Session,
    box: tuple[float, float, float, float],
    since: dt.datetime,
    until: dt.datetime,
) -> Sequence[Row[float | None, float | None, str, dt.datetime, str]]:
    """System use (a site's threat): (lat, lon, severity, occurred, type) of the incidents that are
    events of their own, occurred in the window and lie in `box` (min lat, min lon, max lat,
    max lon). No access check: threat counts every incident, and only totals and bands may
    leave the caller (DECISIONS 7)."""
    min_lat, min_lon, max_lat, max_lon = box
    stmt = select(
        Incident.lat, Incident.lon, Incident.severity, Incident.occurred_from, Incident.type
    ).where(
        Incident.occurred_from >= since,
        Incident.occurred_from <= until,
        Incident.status.not_in(NOT_EVENTS),
        Incident.lat.between(min_lat, max_lat),
        Incident.lon.between(min_lon, max_lon),
    )
    return session.execute(stmt).all()


def threat_incident_points(
    *, session: Session, since: dt.datetime, until: dt.datetime, batch_rows: int
) -> Iterable[Row[float | None, float | None, str]]:
    """System use (every site's threat in one batch): (lat, lon, severity) of every incident
    that is an event of its own, occurred in the window and has a point, streamed `batch_rows`
    at a time (a million incidents). No access check, as for `threat_incidents_in_box`."""
    stmt = select(Incident.lat, Incident.lon, Incident.severity).where(
        Incident.occurred_from >= since,
        Incident.occurred_from <= until,
        Incident.status.not_in(NOT_EVENTS),
        Incident.lat.is_not(None),
        Incident.lon.is_not(None),
    )
    return session.execute(stmt.execution_options(yield_per=batch_rows))
