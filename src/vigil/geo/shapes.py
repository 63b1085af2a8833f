"""Polygons given as (lat, lon) rings: a bounding box to pre-filter rows in SQL, then an exact
point-in-polygon test (shapely) on the few rows that remain — the polygon counterpart of
`distance.bbox` and `distance.within_radius`."""

from __future__ import annotations

from collections.abc import Sequence

from shapely import prepared
from shapely.geometry import Point, Polygon

LatLon = tuple[float, float]


def polygon_bbox(ring: Sequence[LatLon]) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) of a ring of (lat, lon) points."""
    lats = [p[0] for p in ring]
    lons = [p[1] for p in ring]
    return min(lats), min(lons), max(lats), max(lons)


class Area:
    """One polygon prepared for many `contains` questions (boundary counts as inside)."""

    def __init__(self, ring: Sequence[LatLon]) -> None:
        self.bbox = polygon_bbox(ring)
        self._shape = prepared.prep(Polygon([(lon, lat) for lat, lon in ring]))

    def contains(self, lat: float, lon: float) -> bool:
        return bool(self._shape.covers(Point(lon, lat)))
