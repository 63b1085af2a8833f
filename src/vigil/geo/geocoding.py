"""Place names and addresses to candidate cities, points back to the nearest city, and the checks
forms and APIs apply to coordinates and countries. Offline and city-level (DECISIONS 17): an
exact point comes from the map pin or typed coordinates, with `precision` saying which.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vigil.core.errors import Invalid
from vigil.geo.candidates import (
    ISO_ADMIN1_COUNTRIES,
    Preference,
    city_place,
    city_places,
    country_place,
    preference,
    ranked,
)
from vigil.geo.countries import country_code
from vigil.geo.folding import fold
from vigil.geo.gazetteer import NameMatch, gazetteer
from vigil.geo.inflection import dictionary_forms
from vigil.geo.schemas import Place

__all__ = [
    "ISO_ADMIN1_COUNTRIES",
    "check_lat_lon",
    "geocode",
    "normalise_country",
    "pick",
    "reverse",
]

DEFAULT_LIMIT = 10
MAX_QUERY_CHARS = 300
ADDRESS_MAX_PARTS = 4  # of an address's comma-separated parts, the last ones are read
PHRASE_MAX_WORDS = 4  # longest run of words of a part tried as a city name
FUZZY_MIN_SIMILARITY = 0.8  # one typing error in 5 letters, two in 10
FUZZY_MIN_CHARS = 4
REVERSE_MAX_KM = 50.0
MIN_RUN_CHARS = 3
INFLECTED_ANYWHERE = 100_000  # inflected forms find places this large in any country
EXACT, NEAR_MISS, ANYWHERE = 0, 1, 2  # how a phrase is looked up


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


def geocode(
    query: str,
    *,
    country: str | None = None,
    limit: int = DEFAULT_LIMIT,
    near: str | Sequence[str] | None = None,
) -> list[Place]:
    """Candidate places for a place name or an address, best first; empty when nothing fits.

    `country` keeps only places in that country; `near` (the organisation's country, or several)
    ranks places there first, then in their neighbours, and is where inflected forms ("v Praze")
    and typing errors are looked for before the rest of the world.

    Tried in order, the first that matches wins: the whole text as a country ("Czechia") or a
    place; the address's parts from the end, as the city usually follows the street, with a
    trailing country ("Wien, Austria", "Munich DE") filtering the rest, each also read as an
    inflected form; and only when no name matched exactly, names within a typing error or two
    ("Berlni"). A district ("Josefov", "Kreuzberg, Berlin") is a place of its city.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise Invalid("query", "at most %(count)s characters", count=MAX_QUERY_CHARS)
    if limit < 1:
        raise ValueError("limit must be at least 1")
    wanted = normalise_country(country) if country is not None else None
    prefer = _preference(wanted, near)
    text = " ".join(query.split())
    if not text:
        return []
    places = _country_places(text, wanted)
    matches = _in_country(_named(fold(text)), wanted)
    if matches or places:
        found = [(match, False) for match in matches]
        return ranked(places + city_places(found, text, text, prefer), limit)
    readings = _readings(text, wanted)
    attempts = [
        (phrase, reading.country, how)
        for reading in readings
        for part in reversed(reading.parts)
        for phrase, how in _attempts(part)
    ]
    # Last resort: a typo in a one-word name ("Berlni", "Hauptstr. 1, Berlni").
    attempts += [(_without_numbers(r.parts[-1]), r.country, ANYWHERE) for r in readings]
    for phrase, code, how in dict.fromkeys(attempts):
        if found := _lookup(phrase, code, prefer, how):
            return ranked(city_places(found, phrase, text, prefer), limit)
    return []


def pick(places: list[Place], *, country: str | None = None) -> Place | None:
    """The candidate a form may take without asking: the best one, unless it is only a near
    miss of a name outside `country` (the organisation's, or the one the form names), which the
    person must choose knowingly ("Josefstadt" is not a typo of a town abroad)."""
    if not places:
        return None
    best = places[0]
    if best.match == "similar_name" and (country is None or best.country != country.upper()):
        return None
    return best


def reverse(lat: float, lon: float) -> Place | None:
    """The place nearest to a point (a district gives its city too), or None when no place is
    within `REVERSE_MAX_KM`.

    In Europe the places are those of over 1,000 people, elsewhere over 15,000, so in Europe
    almost every point has one within 5 km. Further away (at sea, in deserts and mountains) the
    nearest one no longer says where the point is, and naming it would mislabel an incident;
    without boundary data the country of such a point is not certain either, so there is no
    country-only guess. The caller keeps its exact point; the Place gives the place's own
    coordinates and `distance_km` from the point.
    """
    check_lat_lon(lat, lon)
    nearest = gazetteer().nearest(lat, lon, max_km=REVERSE_MAX_KM)
    if nearest is None:
        return None
    city, km = nearest
    return city_place(
        city,
        match="nearest_city",
        score=1 - km / REVERSE_MAX_KM,
        reason=f"nearest place, {km:.1f} km away",
        distance_km=round(km, 3),
    )


def _preference(wanted: str | None, near: str | Sequence[str] | None) -> Preference:
    codes = [near] if isinstance(near, str) else list(near or [])
    return preference([wanted] if wanted else [normalise_country(code) for code in codes])


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


def _attempts(part: str) -> list[tuple[str, int]]:
    """(phrase, how) to try in turn (EXACT, NEAR_MISS: a typo within the preferred countries):
    the part as typed and without house numbers and postcodes; a name of several words within a
    typing error or two ("Alice Srings" is not Alice); then its runs of words from the end and
    from the start, hyphens splitting words too: "Oranienburger Str 30 Berlin" ends in Berlin,
    "Praha-Žižkov" in Žižkov. A run of one or two letters ("v", "w", "à") is no place."""
    words = _without_numbers(part).replace("-", " ").split()
    longest = min(len(words) - 1, PHRASE_MAX_WORDS)
    runs = [" ".join(words[-count:]) for count in range(longest, 0, -1)]
    runs += [" ".join(words[:count]) for count in range(longest, 0, -1)]
    whole = [part, _without_numbers(part)]
    attempts = [(phrase, EXACT) for phrase in dict.fromkeys(whole) if phrase]
    if len(words) > 1 and len(words[0]) >= MIN_RUN_CHARS:  # not "v Praze", "w Krakowie"
        attempts.append((" ".join(words), NEAR_MISS))
    runs = [run for run in runs if len(run) >= MIN_RUN_CHARS]
    return attempts + [(phrase, EXACT) for phrase in dict.fromkeys(runs)]


def _without_numbers(part: str) -> str:
    return " ".join(word for word in part.split() if not any(char.isdigit() for char in word))


def _lookup(
    phrase: str, country: str | None, prefer: Preference, how: int
) -> list[tuple[NameMatch, bool]]:
    """Matches of the phrase, each with True when it matched as an inflected form.

    EXACT: the phrase's exact matches, and those of its dictionary forms in the country or the
    preferred ones, or large cities anywhere (ranked together: "Brna" is another name of Pirna,
    but "do Brna" is to Brno).
    NEAR_MISS: names within a typing error or two in the country or the caller's own; ANYWHERE:
    the same, then in the neighbours, and only then among the world's large cities."""
    folded = fold(phrase)
    if how == EXACT:
        found = [(match, False) for match in _in_country(_named(folded), country)]
        allowed = {country} if country else set(prefer.countries)
        seen = {id(match.city) for match, _ in found}
        for form in dictionary_forms(folded):
            for match in _named(form):
                wanted = not allowed or match.city.country in allowed
                if country is None and match.city.population >= INFLECTED_ANYWHERE:
                    wanted = True  # "w Wiedniu": large cities abroad are named in any language
                if wanted and id(match.city) not in seen:
                    found.append((match, True))
                    seen.add(id(match.city))
        return found
    if len(phrase) < FUZZY_MIN_CHARS or _named(folded):
        return []  # too short, or a name of a place the country or address ruled out
    similar = functools.partial(gazetteer().similar, folded, min_similarity=FUZZY_MIN_SIMILARITY)
    scopes: list[list[str | None]] = [[None]]
    if country is not None:
        scopes = [[country]]
    elif prefer.home:
        scopes = [[*sorted(prefer.home)]]
        if how == ANYWHERE:
            scopes += [[*sorted(prefer.neighbours)], [None]]
    for codes in scopes:
        if near_misses := [match for code in codes for match in similar(country=code)]:
            return [(match, False) for match in near_misses]
    return []


@functools.lru_cache(maxsize=4096)
def _named(folded: str) -> tuple[NameMatch, ...]:
    """Exact matches of a folded name, cached: an import geocodes the same cities many times."""
    return tuple(gazetteer().find(folded))


def _in_country(matches: Iterable[NameMatch], code: str | None) -> list[NameMatch]:
    return [match for match in matches if code in (None, match.city.country)]


def _country_places(text: str, wanted: str | None) -> list[Place]:
    """The country the whole text names, if any ("Germany", "Česko"; not a bare code)."""
    score = 1.0
    code = country_code(text, codes=False, translated=False)
    if code is None:
        # A translated name may be a city's too ("Salvador", "Granada"): the city ranks first.
        score, code = 0.85, country_code(text, codes=False)
    if code is None or wanted not in (None, code):
        return []
    found = country_place(code, score=score, text=text)
    return [found] if found else []
