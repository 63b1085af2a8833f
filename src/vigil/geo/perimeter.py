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

from vigil.core.errors import Invalid

MAX_POSITIONS = 2000
# A perimeter is a building or a compound: its point may sit just outside (a main entrance on
# the street), but not streets away.
MAX_POINT_DISTANCE_KM = 0.5
MAX_SPAN_KM = 20.0
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON_AT_EQUATOR = 111.320


def _position(value: Any, where: str, field: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise Invalid(field, f"{where} must be a [longitude, latitude] pair")
    lon, lat = value[0], value[1]
    for name, number, limit in (("longitude", lon, 180.0), ("latitude", lat, 90.0)):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise Invalid(field, f"{where}: the {name} must be a number")
        if not math.isfinite(number) or not -limit <= number <= limit:
            raise Invalid(field, f"{where}: the {name} must be between {-limit:g} and {limit:g}")
    return float(lon), float(lat)


def _ring(value: Any, index: int, field: str) -> list[tuple[float, float]]:
    name = "the outer ring" if index == 0 else f"hole {index}"
    if not isinstance(value, list):
        raise Invalid(field, f"{name} must be a list of positions")
    positions = [_position(p, f"{name}, position {i + 1}", field) for i, p in enumerate(value)]
    if len(positions) < 4:
        raise Invalid(field, f"{name} needs at least 4 positions (a triangle and its first again)")
    if positions[0] != positions[-1]:
        raise Invalid(field, f"{name} is not closed: its last position must repeat its first")
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
            raise Invalid(field, f"is not JSON: {exc}") from exc
    if not isinstance(value, dict) or value.get("type") != "Polygon":
        raise Invalid(field, 'must be a GeoJSON Polygon: {"type": "Polygon", "coordinates": ...}')
    unknown = sorted(set(value) - {"type", "coordinates", "bbox"})
    if unknown:
        raise Invalid(field, f"unknown member(s) of the Polygon: {', '.join(unknown)}")
    rings_in = value.get("coordinates")
    if not isinstance(rings_in, list) or not rings_in:
        raise Invalid(field, "coordinates must be a list of rings, the outer ring first")
    rings = [_ring(r, i, field) for i, r in enumerate(rings_in)]
    if sum(len(r) for r in rings) > MAX_POSITIONS:
        raise Invalid(field, f"at most {MAX_POSITIONS} positions")
    local = [[_to_km(x, y, lat, lon) for x, y in ring] for ring in rings]
    polygon = Polygon(local[0], local[1:])
    if not polygon.is_valid:
        reason = explain_validity(polygon)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            raise Invalid(field, "the outline crosses itself; draw it without crossing lines")
        raise Invalid(field, f"is not a valid polygon ({reason.split('[')[0].strip()})")
    if polygon.area <= 0:
        raise Invalid(field, "encloses no area")
    min_x, min_y, max_x, max_y = polygon.bounds
    if max(max_x - min_x, max_y - min_y) > MAX_SPAN_KM:
        raise Invalid(field, f"spans more than {MAX_SPAN_KM:g} km; a site is smaller")
    distance = polygon.distance(Point(0.0, 0.0))
    if distance > MAX_POINT_DISTANCE_KM:
        raise Invalid(
            field,
            f"is {distance:.1f} km from the site's point; it must contain the point or be within "
            f"{MAX_POINT_DISTANCE_KM * 1000:.0f} m of it",
        )
    return json.dumps(
        {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in rings]},
        separators=(",", ":"),
    )
