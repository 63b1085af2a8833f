"""The region (first-level subdivision) a place lies in, for figures by region.

A region is one of the shipped boundaries (`vigil.geo.boundaries`), so the figures by region and
the map that draws them name the same regions. A place with a known city lies where the
gazetteer puts the city (every incident in a city counts in one region, wherever its pin is);
a place with only a point lies where the point is. A point just outside every region (a harbour,
a coastline simplified at the scale of the boundaries) takes the nearest region a few kilometres
away; further out, or in a country without shipped boundaries, the region is "".

`region_of` runs for every counted incident, so answers are cached by city and by point.
"""

from __future__ import annotations

import functools
import math

from shapely.geometry import Point
from shapely.ops import nearest_points

from vigil.geo.boundaries import country_regions
from vigil.geo.distance import haversine_km
from vigil.geo.folding import fold
from vigil.geo.gazetteer import gazetteer

NEAREST_CITY_KM = 30.0  # a point without a country takes the country of a city this close
NEAREST_REGION_KM = 5.0  # a point outside every region takes one this close
KM_PER_DEGREE = 111.2
POINT_DECIMALS = 4  # points ~10 m apart share a cached answer


def region_of(country: str, city: str, lat: float | None = None, lon: float | None = None) -> str:
    """The region's name, or "" when the place is not known well enough to say."""
    country = (country or "").upper()
    if city and country:
        found = _city_point(country, city)
        if found is not None:
            return region_at(country, *found)
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return ""
    return region_at(country, round(lat, POINT_DECIMALS), round(lon, POINT_DECIMALS))


@functools.lru_cache(maxsize=65_536)
def _city_point(country: str, city: str) -> tuple[float, float] | None:
    """Where the gazetteer puts the city in the country: of several cities with the name, the
    one it is the main name of, then the most populous."""
    matches = [m for m in gazetteer().find(fold(city)) if m.city.country == country]
    if not matches:
        return None
    best = max(matches, key=lambda m: (m.is_main_name, m.city.population))
    return best.city.lat, best.city.lon


@functools.lru_cache(maxsize=65_536)
def region_at(country: str, lat: float, lon: float) -> str:
    """The region of the country containing the point (the nearest city's country when none is
    given), else the nearest within NEAREST_REGION_KM, else ""."""
    if not country:
        near = gazetteer().nearest(lat, lon, max_km=NEAREST_CITY_KM)
        if near is None:
            return ""
        country = near[0].country
    found = country_regions(country)
    if not found.regions:
        return ""
    point = Point(lon, lat)
    inside = found.tree.query(point, predicate="intersects")
    if len(inside):
        return found.regions[int(min(inside))].name
    # A degree of longitude is shortest at the pole-ward edge: search wide enough, then measure.
    cos_lat = max(math.cos(math.radians(min(abs(lat) + 1.0, 89.0))), 0.01)
    reach = NEAREST_REGION_KM / KM_PER_DEGREE / cos_lat
    best_name, best_km = "", NEAREST_REGION_KM
    for index in found.tree.query(point.buffer(reach).envelope):
        region = found.regions[int(index)]
        edge = nearest_points(region.shape, point)[0]
        km = haversine_km(lat, lon, edge.y, edge.x)
        if km <= best_km:
            best_name, best_km = region.name, km
    return best_name
