"""The region (first-level subdivision) a place lies in, for figures by region.

A place's region is its city's, from the gazetteer (GeoNames admin1 codes read as ISO 3166-2
subdivisions where they are); a place with only a point takes the nearest city's.
"""

from __future__ import annotations

import functools

from vigil.geo.folding import fold
from vigil.geo.gazetteer import gazetteer
from vigil.geo.geocoding import _admin1_name

NEAREST_CITY_KM = 30.0


@functools.lru_cache(maxsize=65_536)
def region_of(country: str, city: str, lat: float | None = None, lon: float | None = None) -> str:
    """The region's name, or "" when the place is not known well enough to say."""
    country = (country or "").upper()
    if city and country:
        for match in gazetteer().find(fold(city)):
            if match.city.country == country:
                return _admin1_name(country, match.city.admin1_code) or ""
    if lat is not None and lon is not None:
        near = gazetteer().nearest(lat, lon, max_km=NEAREST_CITY_KM)
        if near is not None and (not country or near[0].country == country):
            return _admin1_name(near[0].country, near[0].admin1_code) or ""
    return ""
