"""Places and countries on forms: a country's time zone, where a map with no point yet opens,
the country select, and how a geocoded place offered on a form travels back."""

from __future__ import annotations

import pycountry
from babel.core import get_global

from vigil.core.forms import FALLBACK_ZONE, valid_zone
from vigil.geo.countries import countries

CANDIDATE_SEPARATOR = "|"


def country_zone(code: str) -> str:
    """The time zone of a country's capital, or its only zone; UTC when that is not known."""
    zones: list[str] = get_global("territory_zones").get(code.upper(), []) if code else []
    if len(zones) > 1:
        capital = countries().capitals.get(code.upper(), "").replace(" ", "_")
        zones = [z for z in zones if capital and z.endswith("/" + capital)] or zones[:1]
    return zones[0] if zones and valid_zone(zones[0]) else FALLBACK_ZONE


def candidate_value(lat: float, lon: float, country: str, city: str) -> str:
    """How a geocoded place offered on the form travels back: `lat|lon|country|city`."""
    return CANDIDATE_SEPARATOR.join((f"{lat:.5f}", f"{lon:.5f}", country, city))


def map_home(country: str) -> str:
    """How the boundaries name a country (ISO 3166-1 numeric), for a map with no point yet."""
    found = pycountry.countries.get(alpha_2=country.upper()) if country else None
    return str(found.numeric) if found is not None else ""


def country_options() -> list[tuple[str, str]]:
    """(code, name) of every country, by name, for the country select."""
    names = countries().display_names
    return sorted(names.items(), key=lambda item: item[1])
