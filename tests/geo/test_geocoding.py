"""Geocoding behaviours a form relies on: folding, address forms, country filters and country-only
queries, typos, no match, and the field-specific errors for bad coordinates and countries."""

from __future__ import annotations

import math
import random
import time

import pycountry
import pytest
from pydantic import ValidationError

from vigil.core.errors import Invalid
from vigil.geo.distance import haversine_km
from vigil.geo.gazetteer import gazetteer
from vigil.geo.geocoding import (
    ISO_ADMIN1_COUNTRIES,
    MAX_QUERY_CHARS,
    REVERSE_MAX_KM,
    check_lat_lon,
    geocode,
    normalise_country,
    reverse,
)
from vigil.geo.schemas import Place

BERLIN = (52.524, 13.411)
PRAGUE = (50.088, 14.421)
VIENNA = (48.208, 16.372)
MUNICH = (48.137, 11.575)
COLOGNE = (50.933, 6.950)
LONDON = (51.509, -0.126)


def near(place: Place, point: tuple[float, float], km: float = 5.0) -> bool:
    return haversine_km(place.lat, place.lon, *point) <= km


@pytest.mark.parametrize("query", ["Köln", "koln", "KÖLN", "  köln ", "Koln", "KOELN"])
def test_accents_and_case_do_not_matter(query: str) -> None:
    best = geocode(query)[0]
    assert (best.country, best.precision) == ("DE", "city")
    assert near(best, COLOGNE)


@pytest.mark.parametrize(
    ("query", "point", "country"),
    [
        ("Oranienburger Str. 30, Berlin", BERLIN, "DE"),
        ("Oranienburger Str. 30, 10117 Berlin, Germany", BERLIN, "DE"),
        ("Oranienburger Str 30 Berlin", BERLIN, "DE"),
        ("Praha", PRAGUE, "CZ"),
        ("Wien, Austria", VIENNA, "AT"),
        ("Wien, Österreich", VIENNA, "AT"),
        ("Munich DE", MUNICH, "DE"),
        ("Praha, CZ", PRAGUE, "CZ"),
        ("London SW1A 1AA", LONDON, "GB"),
        ("Saint-Étienne", (45.434, 4.390), "FR"),
        ("Lodz", (51.759, 19.457), "PL"),
    ],
)
def test_addresses_resolve_to_their_city(
    query: str, point: tuple[float, float], country: str
) -> None:
    best = geocode(query)[0]
    assert best.country == country
    assert near(best, point), best
    assert best.precision == "city" and best.timezone and best.population


def test_a_city_comes_with_its_region_where_geonames_uses_iso_codes() -> None:
    zurich = geocode("Zürich", country="CH")[0]
    assert (zurich.admin1, zurich.timezone) == ("Zürich", "Europe/Zurich")
    springfield = geocode("Springfield, IL")[0]
    assert (springfield.country, springfield.admin1) == ("US", "Illinois")
    assert "Illinois" in springfield.reason


def test_regions_are_not_guessed_from_codes_pycountry_would_misread() -> None:
    prague = geocode("Prague")[0]
    assert prague.admin1 is None  # GeoNames' CZ "52" is Prague, ISO's CZ-52 is elsewhere
    assert pycountry.subdivisions.get(code="CZ-52").name != "Praha, Hlavní město"


def test_every_city_in_iso_coded_countries_has_a_first_level_region() -> None:
    """Of those with a region code: a few small places have none or GeoNames' "00" (unknown),
    such as Dhekelia, a British base on Cyprus."""
    for city in gazetteer().cities:
        if city.country in ISO_ADMIN1_COUNTRIES and city.admin1_code not in ("", "00"):
            subdivision = pycountry.subdivisions.get(code=f"{city.country}-{city.admin1_code}")
            assert subdivision is not None and subdivision.parent_code is None, city


def test_a_country_filters_homonyms() -> None:
    anywhere = geocode("Frankfurt")
    assert {place.country for place in anywhere} >= {"DE", "US"}
    assert anywhere[0].name == "Frankfurt am Main"
    in_germany = geocode("Frankfurt", country="DE")
    assert {place.country for place in in_germany} == {"DE"}
    assert [place.name for place in in_germany] == ["Frankfurt am Main", "Frankfurt (Oder)"]
    assert geocode("Frankfurt", country="Germany") == in_germany


def test_a_country_named_in_the_address_is_not_overridden() -> None:
    assert geocode("Berlin, France") == []
    assert geocode("Wien, Austria", country="DE") == []


def test_main_names_rank_above_other_names_then_by_population() -> None:
    places = geocode("Luxembourg")
    assert [(place.precision, place.country) for place in places[:2]] == [
        ("country", "LU"),
        ("city", "LU"),
    ]
    others = places[2:]
    assert others and all(place.score < places[1].score for place in others)
    populations = [place.population or 0 for place in others]
    assert populations == sorted(populations, reverse=True)


@pytest.mark.parametrize(
    ("query", "code", "capital"),
    [
        ("Germany", "DE", BERLIN),
        ("Czechia", "CZ", PRAGUE),
        ("Česko", "CZ", PRAGUE),
        ("Deutschland", "DE", BERLIN),
    ],
)
def test_a_bare_country_resolves_to_the_country(
    query: str, code: str, capital: tuple[float, float]
) -> None:
    best = geocode(query)[0]
    assert (best.precision, best.country, best.city) == ("country", code, None)
    assert best.match == "country_name"
    assert near(best, capital)


@pytest.mark.parametrize(("query", "country"), [("Salvador", "BR"), ("Granada", "ES")])
def test_a_city_outranks_a_country_translated_to_its_name(query: str, country: str) -> None:
    places = geocode(query)
    assert (places[0].precision, places[0].country) == ("city", country)
    assert "country" in {place.precision for place in places}
    assert geocode(f"Hauptstraße 1, {query}")[0].country == country


def test_a_typo_falls_back_to_the_closest_names() -> None:
    best = geocode("Berlni")[0]
    assert (best.name, best.country) == ("Berlin", "DE")
    assert best.match == "similar_name" and "close to" in best.reason
    assert best.score < min(place.score for place in geocode("Berlin"))
    assert {place.match for place in geocode("Bern")} <= {"name", "other_name"}


@pytest.mark.parametrize("query", ["Xqzwv Nowhere", "", "   ", ",,,", "12345"])
def test_nothing_found_is_an_empty_list(query: str) -> None:
    assert geocode(query) == []


def test_an_overlong_query_is_refused() -> None:
    with pytest.raises(Invalid) as raised:
        geocode("Berlin " * (MAX_QUERY_CHARS // 7 + 1))
    assert raised.value.field == "query"


def test_a_place_refuses_unknown_fields() -> None:
    data = geocode("Berlin")[0].model_dump()
    assert Place(**data) == geocode("Berlin")[0]
    with pytest.raises(ValidationError):
        Place.model_validate({**data, "street": "Oranienburger Str. 30"})


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        (90.0001, 0.0, "lat"),
        (-91, 0.0, "lat"),
        (math.nan, 0.0, "lat"),
        (0.0, math.inf, "lon"),
        (0.0, 180.5, "lon"),
        (0.0, -math.nan, "lon"),
        ("52.5", 13.4, "lat"),
        (52.5, True, "lon"),
    ],
)
def test_bad_coordinates_name_the_field(lat: float, lon: float, field: str) -> None:
    with pytest.raises(Invalid) as raised:
        check_lat_lon(lat, lon)
    assert raised.value.field == field
    with pytest.raises(Invalid) as raised:
        reverse(lat, lon)
    assert raised.value.field == field


def test_coordinates_at_the_limits_are_fine() -> None:
    for lat, lon in [(90, 180), (-90.0, -180.0), (0, 0)]:
        check_lat_lon(lat, lon)


@pytest.mark.parametrize(
    ("value", "code"),
    [("de", "DE"), ("DEU", "DE"), ("Germany", "DE"), ("Czech Republic", "CZ"), ("XK", "XK")],
)
def test_countries_normalise_to_alpha_2(value: str, code: str) -> None:
    assert normalise_country(value) == code


@pytest.mark.parametrize("value", ["Narnia", "ZZ", "", "CS"])
def test_unknown_countries_are_refused(value: str) -> None:
    with pytest.raises(Invalid) as raised:
        normalise_country(value)
    assert raised.value.field == "country"
    with pytest.raises(Invalid) as raised:
        geocode("Berlin", country=value)
    assert raised.value.field == "country"


@pytest.mark.parametrize(("lat", "lon"), [(0.0, -30.0), (-45.0, -150.0), (35.0, -40.0)])
def test_reverse_at_sea_finds_no_city(lat: float, lon: float) -> None:
    assert reverse(lat, lon) is None


def test_reverse_names_the_nearest_city_and_how_far_it_is() -> None:
    place = reverse(50.0, 14.3)
    assert place is not None and place.country == "CZ"
    assert (place.precision, place.match) == ("city", "nearest_city")
    distance_km = haversine_km(50.0, 14.3, place.lat, place.lon)
    assert place.distance_km == pytest.approx(distance_km, abs=1e-3)
    for city in gazetteer().cities:
        assert haversine_km(50.0, 14.3, city.lat, city.lon) >= distance_km


def test_reverse_agrees_with_a_search_of_every_city() -> None:
    """Points on grid-cell edges and corners too, where an index most easily misses a city."""
    rng = random.Random(5)
    points = [(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(15)]
    points += [(rng.randint(36, 59) + 0.001, rng.randint(-9, 29) - 0.001) for _ in range(15)]
    points += [(51.0, 13.9999), (-17.0, 179.99), (64.5, -179.99), (89.99, 0.0)]
    cities = gazetteer().cities
    for lat, lon in points:
        # Cities more than a degree of latitude away (111 km) cannot be the answer.
        nearby = [city for city in cities if abs(city.lat - lat) <= 1.0]
        nearest_km = min((haversine_km(lat, lon, c.lat, c.lon) for c in nearby), default=math.inf)
        place = reverse(lat, lon)
        if nearest_km > REVERSE_MAX_KM:
            assert place is None, (lat, lon)
        else:
            assert place is not None and place.distance_km is not None, (lat, lon)
            assert place.distance_km == pytest.approx(nearest_km, abs=1e-3), (lat, lon)


def test_reverse_takes_well_under_a_millisecond() -> None:
    """CPU time, so that other processes on a busy machine do not count."""
    rng = random.Random(3)
    points = [(rng.uniform(35, 60), rng.uniform(-10, 30)) for _ in range(2000)]
    reverse(*points[0])
    started = time.process_time()
    for lat, lon in points:
        reverse(lat, lon)
    per_lookup_ms = (time.process_time() - started) * 1000 / len(points)
    print(f"reverse: {per_lookup_ms:.3f} ms per lookup")
    assert per_lookup_ms < 1.0
