"""Place names for an offline map (no tiles, so no names on it otherwise): the most populous
places of the gazetteer inside the map's bounds, fewer and larger the further out it is zoomed.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from vigil.core.errors import N_, Invalid
from vigil.geo.gazetteer import City, gazetteer

MOST_LABELS = 60
# The smallest place named at each zoom (a zoom above the last names every place).
SMALLEST_BY_ZOOM = ((5, 1_000_000), (6, 300_000), (7, 100_000), (8, 40_000), (9, 15_000),
                    (10, 5_000), (11, 1_000))  # fmt: skip
BBOX_FORMAT = N_(
    "give the map's bounds as west,south,east,north in degrees, e.g. 16.2,48.1,16.5,48.3"
)


class Bounds(NamedTuple):
    west: float
    south: float
    east: float
    north: float


def parse_bounds(text: str) -> Bounds:
    """`west,south,east,north` (GeoJSON's bbox order), longitudes -180..180, latitudes -90..90,
    west of east and south of north."""
    parts = text.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise Invalid("bbox", BBOX_FORMAT) from None
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise Invalid("bbox", BBOX_FORMAT)
    bounds = Bounds(*numbers)
    if not (-180 <= bounds.west < bounds.east <= 180 and -90 <= bounds.south < bounds.north <= 90):
        raise Invalid(
            "bbox",
            "the bounds must have west < east within -180..180 and south < north within -90..90",
        )
    return bounds


def parse_zoom(text: str) -> int:
    if not text.strip().isdigit() or int(text) > 24:
        raise Invalid("zoom", "the zoom must be a whole number from 0 to 24")
    return int(text)


def parse_limit(text: str) -> int:
    if not text.strip():
        return MOST_LABELS
    if not text.strip().isdigit() or not 1 <= int(text) <= MOST_LABELS:
        raise Invalid(
            "limit", "the limit must be a whole number from 1 to %(most)s", most=MOST_LABELS
        )
    return int(text)


def smallest_named(zoom: int) -> int:
    for most_zoom, population in SMALLEST_BY_ZOOM:
        if zoom <= most_zoom:
            return population
    return 0


def places_in(bounds: Bounds, *, zoom: int, limit: int = MOST_LABELS) -> list[City]:
    """The places to name on a map showing `bounds` at `zoom`, most populous first."""
    return gazetteer().in_box(
        bounds.south,
        bounds.west,
        bounds.north,
        bounds.east,
        min_population=smallest_named(zoom),
        limit=min(limit, MOST_LABELS),
    )
