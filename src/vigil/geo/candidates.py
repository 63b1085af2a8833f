"""How a found name becomes a candidate Place, and how candidates are scored: the kind of match
first (main name, other name, inflected form, near miss), then the caller's country and its
neighbours before the rest of the world, then population."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import pycountry

from vigil.geo.countries import countries, country_name
from vigil.geo.folding import fold
from vigil.geo.gazetteer import City, NameMatch, gazetteer
from vigil.geo.places_index import places_data
from vigil.geo.schemas import MatchKind, Place

# Countries whose GeoNames admin1 codes are ISO 3166-2 codes. Elsewhere they are FIPS or national
# codes that pycountry would misread: GeoNames' CZ "52" is Prague, ISO's CZ-52 Hradec Králové.
ISO_ADMIN1_COUNTRIES = frozenset({"BE", "CH", "GB", "IE", "LU", "ME", "MW", "TL", "UG", "US"})
NEIGHBOUR_FACTOR = 0.85  # a place in a neighbouring country scores this much of one at home
ABROAD_FACTOR = 0.7  # ... and one further away
KIND_SCORES: dict[MatchKind, float] = {"name": 0.9, "other_name": 0.85, "inflected_name": 0.8}
SIMILAR_SCORE = 0.7  # times the similarity
# Ranking adds this per tenfold population above 1,000: of two places that answer as well, the
# larger is more likely meant ("Cologne" typed in France is Köln, not the Italian village).
POPULATION_WEIGHT = 0.05


@dataclass(frozen=True)
class Preference:
    """The countries a caller prefers: its own (`home`), then their neighbours."""

    home: frozenset[str] = frozenset()
    neighbours: frozenset[str] = frozenset()

    def factor(self, code: str) -> float:
        if not self.home or code in self.home:
            return 1.0
        return NEIGHBOUR_FACTOR if code in self.neighbours else ABROAD_FACTOR

    @property
    def countries(self) -> list[str]:
        return [*sorted(self.home), *sorted(self.neighbours)]


def preference(codes: list[str]) -> Preference:
    table: dict[str, list[str]] = places_data()["neighbours"]
    home = frozenset(codes)
    neighbours = {n for code in codes for n in table.get(code, [])} - home
    return Preference(home, frozenset(neighbours))


def ranked(places: list[Place], limit: int) -> list[Place]:
    """Best first: by score and, within a few hundredths, by population."""

    def rank(place: Place) -> tuple[float, int]:
        population = place.population or 0
        bonus = POPULATION_WEIGHT * math.log10(max(population, 1000) / 1000)
        return -(place.score + bonus), -population

    places.sort(key=rank)
    return places[:limit]


def city_places(
    matches: list[tuple[NameMatch, bool]], phrase: str, text: str, prefer: Preference
) -> list[Place]:
    """Score: the main name 0.9, another name 0.8, an inflected form 0.75, a near miss less;
    +0.1 when the rest of the text also names the city's region ("Springfield, IL"); times the
    country's factor. A city whose district the rest of the text names becomes that district."""
    rest = {fold(part) for part in text.split(",")} | set(fold(text.replace(",", " ")).split())
    rest -= {fold(phrase), *fold(phrase).split()}
    places = []
    districts: dict[int, City] | None = None
    for match, inflected in matches:
        city = match.city
        kind: MatchKind
        where = f"{city.name}, {country_name(city.country)}"
        if match.similarity < 1:
            kind, score = "similar_name", SIMILAR_SCORE * match.similarity
            reason = f'"{phrase}" is close to a name of {where} ({match.similarity:.0%})'
        elif inflected:
            kind, score = "inflected_name", KIND_SCORES["inflected_name"]
            reason = f'"{phrase}" is a form of a name of {where}'
        elif match.is_main_name:
            kind, score, reason = "name", KIND_SCORES["name"], f'name matches "{phrase}"'
        else:
            kind, score = "other_name", KIND_SCORES["other_name"]
            reason = f'another name of {city.name} matches "{phrase}"'
        region = admin1_name(city.country, city.admin1_code)
        if region and rest & {fold(region), fold(city.admin1_code)}:
            score, reason = score + 0.1, f"{reason}, in {region}"
        if rest and city.district_of < 0:
            if districts is None:
                districts = _districts_named(text, phrase)
            if district := districts.get(gazetteer().index_of(city)):
                city, reason = district, f"{reason}, district {district.name}"
        score *= prefer.factor(city.country)
        places.append(city_place(city, match=kind, score=score, reason=reason))
    return places


def _districts_named(text: str, phrase: str) -> dict[int, City]:
    """The districts that another part of the text, or a run of its words, names, by the index
    of their city (the longest name first)."""
    words = fold(text.replace(",", " ")).split()
    runs = {fold(part) for part in text.split(",")} | {
        " ".join(words[start : start + count])
        for count in (1, 2, 3)
        for start in range(len(words) - count + 1)
    }
    runs.discard(fold(phrase))
    named: dict[int, City] = {}
    for run in sorted(runs, key=len, reverse=True):
        for match in gazetteer().find(run) if len(run) >= 3 else ():
            if match.city.district_of >= 0:
                named.setdefault(match.city.district_of, match.city)
    return named


def city_place(
    city: City, *, match: MatchKind, score: float, reason: str, distance_km: float | None = None
) -> Place:
    """The Place of a city, or of a district with its city's name and region."""
    parent = gazetteer().parent(city)
    town = parent or city
    return Place(
        name=f"{city.name}, {parent.name}" if parent else city.name,
        city=town.name,
        district=city.name if parent else None,
        country=city.country,
        country_name=country_name(city.country),
        admin1=admin1_name(town.country, town.admin1_code),
        lat=city.lat,
        lon=city.lon,
        population=city.population or town.population,
        timezone=town.timezone or None,
        precision="city",
        match=match,
        score=round(min(score, 1.0), 3),
        reason=reason,
        distance_km=distance_km,
        geonameid=city.geonameid if city.geonameid > 0 else None,
    )


@functools.cache
def admin1_name(country: str, admin1_code: str) -> str | None:
    if country not in ISO_ADMIN1_COUNTRIES or not admin1_code:
        return None
    subdivision = pycountry.subdivisions.get(code=f"{country}-{admin1_code}")
    if subdivision is None or subdivision.parent_code is not None:
        return None
    return str(subdivision.name)


def country_place(code: str, *, score: float, text: str) -> Place | None:
    centre = _country_centre(code)
    if centre is None:
        return None
    lat, lon, timezone = centre
    return Place(
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


@functools.cache
def _country_centre(code: str) -> tuple[float, float, str | None] | None:
    """The capital's coordinates, else the mean of the country's cities; None without cities."""
    capital = countries().capitals.get(code)
    named = (
        [m for m in gazetteer().find(fold(capital)) if m.city.country == code] if capital else []
    )
    if named:
        city = max(named, key=lambda match: match.city.population).city
        return city.lat, city.lon, city.timezone or None
    cities = gazetteer().in_country(code)
    if not cities:
        return None
    lat = sum(city.lat for city in cities) / len(cities)
    lon = sum(city.lon for city in cities) / len(cities)
    return lat, lon, None
