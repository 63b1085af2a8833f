"""Great-circle distances and bounding boxes, for "incidents within 2 km of a site" questions.

The bounding box lets a query narrow candidates with plain `BETWEEN` on indexed lat/lon columns
(the same SQL on SQLite and on PostgreSQL without PostGIS); the exact distance is then computed
here on the few rows that remain.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TypeVar

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)

T = TypeVar("T")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a spherical Earth (within about 0.5 % of the ellipsoid)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def is_within_radius(
    lat: float, lon: float, other_lat: float, other_lon: float, radius_km: float
) -> bool:
    return haversine_km(lat, lon, other_lat, other_lon) <= radius_km


def within_radius(
    lat: float,
    lon: float,
    radius_km: float,
    items: Iterable[T],
    *,
    position: Callable[[T], tuple[float, float]],
) -> list[tuple[T, float]]:
    """The items no further than `radius_km` from the point, with their distance, nearest first.

    Meant for the rows a `bbox` pre-filter let through; `position` gives an item's (lat, lon).
    """
    found: list[tuple[T, float]] = []
    for item in items:
        item_lat, item_lon = position(item)
        km = haversine_km(lat, lon, item_lat, item_lon)
        if km <= radius_km:
            found.append((item, km))
    found.sort(key=lambda pair: pair[1])
    return found


def bbox(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) of a box holding every point within `radius_km`.

    Always a superset of the circle, so it only pre-filters: near a pole the box spans every
    longitude, and across the antimeridian it does too rather than wrap (a wrapped box would
    need two ranges, which a single `lon BETWEEN :min AND :max` cannot express).
    """
    if radius_km < 0 or not math.isfinite(radius_km):
        raise ValueError("radius_km must be a finite, non-negative number")
    angle = radius_km / EARTH_RADIUS_KM
    min_lat = lat - math.degrees(angle)
    max_lat = lat + math.degrees(angle)
    if min_lat <= -90 or max_lat >= 90:
        return max(min_lat, -90.0), -180.0, min(max_lat, 90.0), 180.0
    # Widest longitude reached by the circle (not at its centre's latitude but poleward of it).
    dlon = math.degrees(math.asin(math.sin(angle) / math.cos(math.radians(lat))))
    min_lon, max_lon = lon - dlon, lon + dlon
    if min_lon < -180 or max_lon > 180:
        return min_lat, -180.0, max_lat, 180.0
    return min_lat, min_lon, max_lat, max_lon
