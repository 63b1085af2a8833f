"""The incident side of a site's threat: incidents near it in the methodology's look-back window.

Threat counts every incident, also those the viewer may not read (DECISIONS 7): only totals and
bands leave this module, never titles, places or ids. For the portfolio batch, incidents are
bucketed on a grid once, so 100,000 sites cost one pass over the incidents, not one query each.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.geo.distance import bbox, haversine_km
from vigil.incidents.models import Incident

# Incidents that are not events of their own: rejected reports and merged duplicates.
NOT_EVENTS = ("rejected", "merged")
SECONDS_PER_DAY = 86_400.0
KM_PER_DEGREE_LAT = 111.32
FETCH_BATCH_ROWS = 50_000


@dataclass(frozen=True)
class NearbyIncident:
    severity: str
    distance_km: float
    age_days: float


def _age_days(now: dt.datetime, occurred: dt.datetime) -> float:
    return max(0.0, (now - occurred).total_seconds() / SECONDS_PER_DAY)


def incidents_near(
    session: Session,
    *,
    lat: float,
    lon: float,
    radius_km: float,
    since: dt.datetime,
    now: dt.datetime,
) -> list[NearbyIncident]:
    """Incidents within `radius_km` of one point since `since`, nearest first."""
    min_lat, min_lon, max_lat, max_lon = bbox(lat, lon, radius_km)
    rows = session.execute(
        select(Incident.lat, Incident.lon, Incident.severity, Incident.occurred_from).where(
            Incident.occurred_from >= since,
            Incident.occurred_from <= now,
            Incident.status.not_in(NOT_EVENTS),
            Incident.lat.between(min_lat, max_lat),
            Incident.lon.between(min_lon, max_lon),
        )
    ).all()
    found = []
    for i_lat, i_lon, severity, occurred in rows:
        if i_lat is None or i_lon is None:
            continue
        km = haversine_km(lat, lon, i_lat, i_lon)
        if km <= radius_km:
            found.append(NearbyIncident(severity, km, _age_days(now, occurred)))
    found.sort(key=lambda n: n.distance_km)
    return found


@dataclass(frozen=True)
class _Point:
    lat: float
    lon: float
    severity: str
    age_days: float


def _cell(lat: float, lon: float, size_deg: float) -> tuple[int, int]:
    return math.floor(lat / size_deg), math.floor(lon / size_deg)


def incidents_near_many(
    session: Session,
    *,
    points: Mapping[int, tuple[float, float]],
    radius_km: float,
    since: dt.datetime,
    now: dt.datetime,
) -> dict[int, list[NearbyIncident]]:
    """`incidents_near` for many points (site id -> (lat, lon)) in one pass over the incidents."""
    size_deg = max(radius_km / KM_PER_DEGREE_LAT, 0.01)
    grid: dict[tuple[int, int], list[_Point]] = defaultdict(list)
    result = session.execute(
        select(Incident.lat, Incident.lon, Incident.severity, Incident.occurred_from)
        .where(
            Incident.occurred_from >= since,
            Incident.occurred_from <= now,
            Incident.status.not_in(NOT_EVENTS),
            Incident.lat.is_not(None),
        )
        .execution_options(yield_per=FETCH_BATCH_ROWS)
    )
    for i_lat, i_lon, severity, occurred in result:
        if i_lat is None or i_lon is None:
            continue
        grid[_cell(i_lat, i_lon, size_deg)].append(
            _Point(i_lat, i_lon, severity, _age_days(now, occurred))
        )
    return {
        key: _near_in_grid(grid, lat, lon, radius_km, size_deg)
        for key, (lat, lon) in points.items()
    }


def _near_in_grid(
    grid: Mapping[tuple[int, int], list[_Point]],
    lat: float,
    lon: float,
    radius_km: float,
    size_deg: float,
) -> list[NearbyIncident]:
    min_lat, min_lon, max_lat, max_lon = bbox(lat, lon, radius_km)
    low = _cell(min_lat, min_lon, size_deg)
    high = _cell(max_lat, max_lon, size_deg)
    found: list[NearbyIncident] = []
    if (high[0] - low[0] + 1) * (high[1] - low[1] + 1) > len(grid):
        # Near a pole or the antimeridian the box spans every longitude: walk the filled cells.
        cells: Iterable[tuple[int, int]] = [c for c in grid if low[0] <= c[0] <= high[0]]
    else:
        cells = [
            (row, col) for row in range(low[0], high[0] + 1) for col in range(low[1], high[1] + 1)
        ]
    for cell in cells:
        found.extend(_close(grid.get(cell, ()), lat, lon, radius_km))
    found.sort(key=lambda n: n.distance_km)
    return found


def _close(
    candidates: Iterable[_Point], lat: float, lon: float, radius_km: float
) -> Iterable[NearbyIncident]:
    for point in candidates:
        km = haversine_km(lat, lon, point.lat, point.lon)
        if km <= radius_km:
            yield NearbyIncident(point.severity, km, point.age_days)
