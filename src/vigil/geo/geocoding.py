"""Place names and addresses to candidate cities, points back to the nearest city, and the checks
forms and APIs apply to coordinates and countries. Offline and city-level (DECISIONS 17): an
exact point comes from the map pin or typed coordinates, with `precision` saying which.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import pycountry

from vigil.core.errors import Invalid
from vigil.geo.countries import countries, country_code, country_name
from vigil.geo.folding import fold
from vigil.geo.gazetteer import City, NameMatch, gazetteer
from vigil.geo.schemas import MatchKind, Place

DEFAULT_LIMIT = 10
MAX_QUERY_CHARS = 300
ADDRESS_MAX_PARTS = 4  # of an address's comma-separated parts, the last ones are read
PHRASE_MAX_WORDS = 4  # longest run of words of a part tried as a city name
FUZZY_MIN_SIMILARITY = 0.8  # one typing error in 5 letters, two in 10
FUZZY_MIN_CHARS = 4
REVERSE_MAX_KM = 50.0
# Countries whose GeoNames admin1 codes are ISO 3166-2 codes. Elsewhere they are FIPS or national
# codes that pycountry would misread: GeoNames' CZ "52" is Prague, ISO's CZ-52 Hradec Králové.
ISO_ADMIN1_COUNTRIES = frozenset({"BE", "CH", "GB", "IE", "LU", "ME", "MW", "TL", "UG", "US"})


def check_lat_lon(lat: float, lon: float) -> None:
    """Refuse coordinates that are not finite numbers within range, naming the field."""
    for field, value, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(field, "must be a number")
        if not math.isfinite(value):
            raise Invalid(field, "must be a finite number")
        if not -limit <= value <= limit:
            raise Invalid(
                field, "must be between %(low)s and %(high)s", low=f"{-limit:g}", high=f"{limit:g}"
            )


def normalise_country(value: str) -> str:
    """The ISO 3166-1 alpha-2 code of a country given by alpha-2, alpha-3 or name."""
    code = country_code(value) if isinstance(value, str) else None
    if code is None:
        raise Invalid(
            "country",
            "unknown country %(country)s: use a code such as DE or a name",
            country=repr(value),
        )
    return code


def geocode(query: str, *, country: str | None = None, limit: int = DEFAULT_LIMIT) -> list[Place]:
    """Candidate places for a place name or an address, best first; empty when nothing fits.

    Tried in order, the first that matches wins: the whole text as a country ("Czechia") or a
    city; the address's parts from the end, as the city usually follows the street, with a
    trailing country ("Wien, Austria", "Munich DE") filtering the rest; and only when no name
    matched exactly, names within a typing error or two ("Berlni").
    """
    if len(query) > MAX_QUERY_CHARS:
        raise Invalid("query", "at most %(count)s characters", count=MAX_QUERY_CHARS)
    if limit < 1:
        raise ValueError("limit must be at least 1")
    wanted = normalise_country(country) if country is not None else None
    text = " ".join(query.split())
    if not text:
        return []
    places = _country_places(text, wanted)
    matches = _in_country(_named(fold(text)), wanted)
    if matches or places:
        return _ranked(places + _city_places(matches, text, text), limit)
    readings = _readings(text, wanted)
    attempts = [
        (phrase, reading.country, fuzzy)
        for reading in readings
        for part in reversed(reading.parts)
        for phrase, fuzzy in _attempts(part)
    ]
    # Last resort: a typo in a one-word name ("Berlni", "Hauptstr. 1, Berlni").
    attempts += [(_without_numbers(r.parts[-1]), r.country, True) for r in readings]
    for phrase, code, fuzzy in dict.fromkeys(attempts):
        if matches := _lookup(phrase, code, fuzzy=fuzzy):
            return _ranked(_city_places(matches, phrase, text), limit)
    return []


def reverse(lat: float, lon: float) -> Place | None:
    """The city nearest to a point, or None when no city is within `REVERSE_MAX_KM`.

    The cities are those of over 15,000 people, so in Europe almost every point has one within
    20 km. Further away (at sea, in deserts and mountains) the nearest one no longer says where
    the point is, and naming it would mislabel an incident; without boundary data the country of
    such a point is not certain either, so there is no country-only guess. The caller keeps its
    exact point; the Place gives the city's own coordinates and `distance_km` from the point.
    """
    check_lat_lon(lat, lon)
    nearest = gazetteer().nearest(lat, lon, max_km=REVERSE_MAX_KM)
    if nearest is None:
        return None
    city, km = nearest
    return _city_place(
        city,
        match="nearest_city",
        score=1 - km / REVERSE_MAX_KM,
        reason=f"nearest city, {km:.1f} km away",
        distance_km=round(km, 3),
    )


@dataclass(frozen=True)
class _Reading:
    parts: list[str]
    country: str | None


def _readings(text: str, wanted: str | None) -> list[_Reading]:
    """The address with a trailing country taken as a filter, then the address as typed unless
    that country was named in English in a part of its own ("Berlin, France" is not Berlin in
    Germany; but "Springfield, IL" may be in Illinois, "Hauptstr. 1, Granada" in Spain)."""
    parts = [part.strip() for part in text.split(",") if part.strip()][-ADDRESS_MAX_PARTS:]
    if not parts:
        return []
    *rest, last = parts
    words = last.split()
    readings: list[_Reading] = []
    as_typed = True
    if rest and (code := country_code(last)):
        readings.append(_Reading(rest, code))
        as_typed = country_code(last, codes=False, translated=False) is None
    else:
        for count in range(min(3, len(words) - 1), 0, -1):
            if code := country_code(" ".join(words[-count:])):
                readings.append(_Reading([*rest, " ".join(words[:-count])], code))
                break
    readings = [reading for reading in readings if wanted in (None, reading.country)]
    return [*readings, _Reading(parts, wanted)] if as_typed else readings


def _attempts(part: str) -> list[tuple[str, bool]]:
    """(phrase, fuzzy) to try in turn: the part as typed and without house numbers and postcodes;
    a name of several words within a typing error or two ("Alice Srings" is not Alice); then its
    runs of words from the end and from the start: "Oranienburger Str 30 Berlin" ends in Berlin."""
    words = _without_numbers(part).split()
    longest = min(len(words) - 1, PHRASE_MAX_WORDS)
    runs = [" ".join(words[-count:]) for count in range(longest, 0, -1)]
    runs += [" ".join(words[:count]) for count in range(longest, 0, -1)]
    attempts = [(phrase, False) for phrase in dict.fromkeys([part, " ".join(words)]) if phrase]
    if len(words) > 1:
        attempts.append((" ".join(words), True))
    return attempts + [(phrase, False) for phrase in dict.fromkeys(runs)]


def _without_numbers(part: str) -> str:
    return " ".join(word for word in part.split() if not any(char.isdigit() for char in word))


def _lookup(phrase: str, country: str | None, *, fuzzy: bool) -> list[NameMatch]:
    if not fuzzy:
        return _in_country(_named(fold(phrase)), country)
    if len(phrase) < FUZZY_MIN_CHARS:
        return []
    return gazetteer().similar(fold(phrase), min_similarity=FUZZY_MIN_SIMILARITY, country=country)


@functools.lru_cache(maxsize=4096)
def _named(folded: str) -> tuple[NameMatch, ...]:
    """Exact matches of a folded name, cached: an import geocodes the same cities many times."""
    return tuple(gazetteer().find(folded))


def _in_country(matches: Iterable[NameMatch], code: str | None) -> list[NameMatch]:
    return [match for match in matches if code in (None, match.city.country)]


def _ranked(places: list[Place], limit: int) -> list[Place]:
    places.sort(key=lambda place: (-place.score, -(place.population or 0)))
    return places[:limit]


def _city_places(matches: list[NameMatch], phrase: str, text: str) -> list[Place]:
    """Score: the main name 0.9, another name 0.8, a near miss less; +0.1 when the rest of the
    text also names the city's region ("Springfield, IL")."""
    rest = {fold(part) for part in text.split(",")} | set(fold(text.replace(",", " ")).split())
    rest -= {fold(phrase), *fold(phrase).split()}
    places = []
    for match in matches:
        city = match.city
        kind: MatchKind
        if match.similarity < 1:
            kind, score = "similar_name", 0.7 * match.similarity
            reason = f'"{phrase}" is close to a name of {city.name} ({match.similarity:.0%})'
        elif match.is_main_name:
            kind, score, reason = "name", 0.9, f'name matches "{phrase}"'
        else:
            kind, score = "other_name", 0.8
            reason = f'another name of {city.name} matches "{phrase}"'
        region = _admin1_name(city.country, city.admin1_code)
        if region and rest & {fold(region), fold(city.admin1_code)}:
            score, reason = score + 0.1, f"{reason}, in {region}"
        places.append(_city_place(city, match=kind, score=score, reason=reason))
    return places


def _city_place(
    city: City, *, match: MatchKind, score: float, reason: str, distance_km: float | None = None
) -> Place:
    return Place(
        name=city.name,
        city=city.name,
        country=city.country,
        country_name=country_name(city.country),
        admin1=_admin1_name(city.country, city.admin1_code),
        lat=city.lat,
        lon=city.lon,
        population=city.population,
        timezone=city.timezone or None,
        precision="city",
        match=match,
        score=round(score, 3),
        reason=reason,
        distance_km=distance_km,
        geonameid=city.geonameid,
    )


@functools.cache
def _admin1_name(country: str, admin1_code: str) -> str | None:
    if country not in ISO_ADMIN1_COUNTRIES or not admin1_code:
        return None
    subdivision = pycountry.subdivisions.get(code=f"{country}-{admin1_code}")
    if subdivision is None or subdivision.parent_code is not None:
        return None
    return str(subdivision.name)


def _country_places(text: str, wanted: str | None) -> list[Place]:
    """The country the whole text names, if any ("Germany", "Česko"; not a bare code)."""
    score = 1.0
    code = country_code(text, codes=False, translated=False)
    if code is None:
        # A translated name may be a city's too ("Salvador", "Granada"): the city ranks first.
        score, code = 0.85, country_code(text, codes=False)
    if code is None or wanted not in (None, code):
        return []
    centre = _country_centre(code)
    if centre is None:
        return []
    lat, lon, timezone = centre
    return [
        Place(
            name=country_name(code),
            city=None,
            country=code,
            country_name=country_name(code),
            admin1=None,
            lat=lat,
            lon=lon,
            population=countries().populations.get(code),
            timezone=timezone,
            precision="country",
            match="country_name",
            score=score,
            reason=f'country name matches "{text}"',
        )
    ]


@functools.cache
def _country_centre(code: str) -> tuple[float, float, str | None] | None:
    """The capital's coordinates, else the mean of the country's cities; None without cities."""
    capital = countries().capitals.get(code)
    named = _in_country(_named(fold(capital)), code) if capital else []
    if named:
        city = max(named, key=lambda match: match.city.population).city
        return city.lat, city.lon, city.timezone or None
    cities = gazetteer().in_country(code)
    if not cities:
        return None
    lat = sum(city.lat for city in cities) / len(cities)
    lon = sum(city.lon for city in cities) / len(cities)
    return lat, lon, None
