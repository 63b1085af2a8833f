"""Checking a site's perimeter: a GeoJSON Polygon (RFC 7946) that is closed, valid, not
self-intersecting, and around (or next to) the site's point.

Errors name the field and say what to fix, because a perimeter is usually drawn or pasted by
hand and a map that draws a broken polygon shows nothing useful.
"""

from __future__ import annotations

import json
import math
from typing import Any

from shapely.geometry import Point, Polygon
from shapely.validation import explain_validity

from vigil.core.errors import N_, Invalid

MAX_POSITIONS = 2000
# A perimeter is a building or a compound: its point may sit just outside (a main entrance on
# the street), but not streets away.
MAX_POINT_DISTANCE_KM = 0.5
MAX_SPAN_KM = 20.0
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON_AT_EQUATOR = 111.320
# A ring's problems, each said of the outer ring and of a hole (whole sentences, so that a
# translator never joins "hole 2" to the rest), picked by `[hole > 0]`.
NOT_A_PAIR = (
    N_("the outer ring, position %(position)s must be a [longitude, latitude] pair"),
    N_("hole %(hole)s, position %(position)s must be a [longitude, latitude] pair"),
)
BAD_LONGITUDE = (
    N_(
        "the outer ring, position %(position)s: the longitude must be a number between -180 and 180"
    ),
    N_("hole %(hole)s, position %(position)s: the longitude must be a number between -180 and 180"),
)
BAD_LATITUDE = (
    N_("the outer ring, position %(position)s: the latitude must be a number between -90 and 90"),
    N_("hole %(hole)s, position %(position)s: the latitude must be a number between -90 and 90"),
)
NOT_A_LIST = (
    N_("the outer ring must be a list of positions"),
    N_("hole %(hole)s must be a list of positions"),
)
TOO_FEW = (
    N_("the outer ring needs at least 4 positions (a triangle and its first again)"),
    N_("hole %(hole)s needs at least 4 positions (a triangle and its first again)"),
)
NOT_CLOSED = (
    N_("the outer ring is not closed: its last position must repeat its first"),
    N_("hole %(hole)s is not closed: its last position must repeat its first"),
)


def _position(value: Any, hole: int, position: int, field: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise Invalid(field, NOT_A_PAIR[hole > 0], hole=hole, position=position)
    lon, lat = value[0], value[1]
    for said, number, limit in ((BAD_LONGITUDE, lon, 180.0), (BAD_LATITUDE, lat, 90.0)):
        is_number = isinstance(number, int | float) and not isinstance(number, bool)
        if not is_number or not math.isfinite(number) or not -limit <= number <= limit:
            raise Invalid(field, said[hole > 0], hole=hole, position=position)
    return float(lon), float(lat)


def _ring(value: Any, hole: int, field: str) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise Invalid(field, NOT_A_LIST[hole > 0], hole=hole)
    positions = [_position(p, hole, i + 1, field) for i, p in enumerate(value)]
    if len(positions) < 4:
        raise Invalid(field, TOO_FEW[hole > 0], hole=hole)
    if positions[0] != positions[-1]:
        raise Invalid(field, NOT_CLOSED[hole > 0], hole=hole)
    return positions


def _to_km(lon: float, lat: float, origin_lat: float, origin_lon: float) -> tuple[float, float]:
    """A local flat projection around the site: good to metres over a few kilometres."""
    scale = KM_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(origin_lat))
    return (lon - origin_lon) * scale, (lat - origin_lat) * KM_PER_DEGREE_LAT


def parse_perimeter(value: Any, *, lat: float, lon: float, field: str = "perimeter") -> str | None:
    """The perimeter as compact GeoJSON text, or None when none is given; Invalid if wrong.

    Accepts the Polygon object or its JSON text (a CSV cell, a form's textarea).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise Invalid(field, "is not JSON: %(problem)s", problem=str(exc)) from exc
    if not isinstance(value, dict) or value.get("type") != "Polygon":
        raise Invalid(field, 'must be a GeoJSON Polygon: {"type": "Polygon", "coordinates": ...}')
    unknown = sorted(set(value) - {"type", "coordinates", "bbox"})
    if unknown:
        raise Invalid(
            field, "unknown member(s) of the Polygon: %(members)s", members=", ".join(unknown)
        )
    rings_in = value.get("coordinates")
    if not isinstance(rings_in, list) or not rings_in:
        raise Invalid(field, "coordinates must be a list of rings, the outer ring first")
    rings = [_ring(r, i, field) for i, r in enumerate(rings_in)]
    if sum(len(r) for r in rings) > MAX_POSITIONS:
        raise Invalid(field, "at most %(count)s positions", count=MAX_POSITIONS)
    local = [[_to_km(x, y, lat, lon) for x, y in ring] for ring in rings]
    polygon = Polygon(local[0], local[1:])
    if not polygon.is_valid:
        reason = explain_validity(polygon)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            raise Invalid(field, "the outline crosses itself; draw it without crossing lines")
        raise Invalid(
            field, "is not a valid polygon (%(problem)s)", problem=reason.split("[")[0].strip()
        )
    if polygon.area <= 0:
        raise Invalid(field, "encloses no area")
    min_x, min_y, max_x, max_y = polygon.bounds
    if max(max_x - min_x, max_y - min_y) > MAX_SPAN_KM:
        raise Invalid(field, "spans more than %(km)s km; a site is smaller", km=f"{MAX_SPAN_KM:g}")
    distance = polygon.distance(Point(0.0, 0.0))
    if distance > MAX_POINT_DISTANCE_KM:
        raise Invalid(
            field,
            "is %(km)s km from the site's point; it must contain the point or be within "
            "%(metres)s m of it",
            km=f"{distance:.1f}",
            metres=f"{MAX_POINT_DISTANCE_KM * 1000:.0f}",
        )
    return json.dumps(
        {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in rings]},
        separators=(",", ":"),
    )
