"""The incident side of a site's threat: incidents near it in the methodology's look-back window,
each with its type, so an attack scenario counts those of its matching types (scenarios.py).

Threat counts every incident, also those the viewer may not read (DECISIONS 7): only totals and
bands leave this module, never titles, places or ids. For the portfolio batch, the incidents go
into one k-d tree per severity (points on the unit sphere, where the straight-line distance
orders points exactly as the great-circle distance does), and every site's count per distance
band is one vectorised query: 100,000 sites in a city with thousands of incidents each would be
billions of distance computations one by one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy.orm import Session

from vigil.geo.distance import EARTH_RADIUS_KM, bbox, within_radius
from vigil.incidents import threat_points as incident_threat_points

SECONDS_PER_DAY = 86_400.0
FETCH_BATCH_ROWS = 50_000


@dataclass(frozen=True)
class NearbyIncident:
    severity: str
    distance_km: float
    age_days: float
    # The typology code (`incidents.typology`): attack scenarios count the matching types.
    type: str = ""


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
    found = incident_threat_points.threat_incidents_in_box(
        session=session, box=bbox(lat, lon, radius_km), since=since, until=now
    )
    # The box holds only incidents with a point; the test tells the type checker so.
    points = [
        (la, lo, sev, at, kind)
        for la, lo, sev, at, kind in found
        if la is not None and lo is not None
    ]
    nearby = within_radius(lat, lon, radius_km, points, position=lambda p: (p[0], p[1]))
    return [NearbyIncident(p[2], km, _age_days(now, p[3]), p[4]) for p, km in nearby]


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _chord(km: float) -> float:
    """The straight-line distance on the unit sphere of a great-circle distance in km."""
    return float(2 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2))


def incident_cells_many(
    session: Session,
    *,
    points: Mapping[int, tuple[float, float]],
    band_limits_km: list[float],
    since: dt.datetime,
    now: dt.datetime,
) -> dict[int, dict[tuple[str, int], int]]:
    """Per point (site id -> (lat, lon)): incidents counted by (severity, distance band).

    Band i holds the incidents further than band i-1's limit and at most `band_limits_km[i]`
    away (limits ascending; the last is the radius), as `bisect_left` assigns them one by one.
    """
    columns: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    result = incident_threat_points.threat_incident_points(
        session=session, since=since, until=now, batch_rows=FETCH_BATCH_ROWS
    )
    for i_lat, i_lon, severity in result:
        if i_lat is None or i_lon is None:
            continue
        lats, lons = columns[severity]
        lats.append(i_lat)
        lons.append(i_lon)
    ids = list(points)
    found: dict[int, dict[tuple[str, int], int]] = {site_id: {} for site_id in ids}
    if not ids:
        return found
    coords = np.array([points[i] for i in ids], dtype=float)
    sites = _unit_vectors(coords[:, 0], coords[:, 1])
    for severity, (lats, lons) in columns.items():
        tree = cKDTree(_unit_vectors(np.array(lats), np.array(lons)))
        within = [
            tree.query_ball_point(sites, _chord(km), return_length=True, workers=-1)
            for km in band_limits_km
        ]
        previous = np.zeros(len(ids), dtype=np.int64)
        for band, cumulative in enumerate(within):
            in_band = cumulative - previous
            previous = cumulative
            for index in np.flatnonzero(in_band):
                found[ids[index]][(severity, band)] = int(in_band[index])
    return found
