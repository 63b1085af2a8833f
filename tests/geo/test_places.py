"""Issue 18, places: the labelled place queries (tests/data/places/queries.csv, scored by
bench/places.py) resolve to the right place at least 97 % of the time and never to another
country; districts resolve to their city with the district kept; a near miss abroad is offered
with its country but never taken without asking; the index is rebuilt when it is missing."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from vigil.geo.gazetteer import gazetteer
from vigil.geo.geocoding import geocode, pick, reverse

MIN_ACCURACY = 0.97
MAX_P95_MS = 5.0
ROOT = Path(__file__).resolve().parents[2]


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("places_bench", ROOT / "bench" / "places.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_labelled_queries_resolve_to_the_right_place_and_never_abroad() -> None:
    places = bench()
    labelled = places.load_queries()
    assert len(labelled) >= 300
    assert len({item.near for item in labelled}) >= 10
    outcome = places.evaluate(labelled)
    print(f"\nplaces: {outcome.accuracy:.1%} of {outcome.total}; misses: {outcome.misses}")
    assert outcome.wrong_country == []
    assert outcome.accuracy >= MIN_ACCURACY


def test_a_lookup_takes_under_five_milliseconds_at_p95() -> None:
    """CPU time, so that other processes on a busy machine do not count."""
    labelled = bench().load_queries()
    for item in labelled:
        geocode(item.query, near=item.near or None)
    timings = []
    for item in labelled:
        started = time.process_time()
        geocode(item.query, near=item.near or None)
        timings.append((time.process_time() - started) * 1000)
    timings.sort()
    assert timings[int(len(timings) * 0.95) - 1] < MAX_P95_MS


@pytest.mark.parametrize(
    ("query", "near", "city", "district"),
    [
        ("Josefov", "CZ", "Prague", "Josefov"),
        ("Leopoldstadt", None, "Vienna", "Leopoldstadt"),
        ("Maiselova 18, 110 00 Praha 1", None, "Prague", "Praha 1"),
        ("Kreuzberg, Berlin", None, "Berlin", "Kreuzberg"),
        ("Schaarbeek", "BE", "Brussels", "Schaerbeek"),
    ],
)
def test_a_district_resolves_to_its_city_with_the_district_kept(
    query: str, near: str | None, city: str, district: str
) -> None:
    best = geocode(query, near=near)[0]
    assert (best.city, best.district, best.precision) == (city, district, "city")
    assert best.name == f"{district}, {city}"
    assert pick([best]) == best


def test_a_point_in_a_district_reverses_to_the_district_of_its_city() -> None:
    place = reverse(52.4990, 13.4035)  # Kreuzberg
    assert place is not None
    assert (place.city, place.district, place.country) == ("Berlin", "Kreuzberg", "DE")


def test_the_organisations_country_and_its_neighbours_rank_first() -> None:
    assert geocode("Bergen", near="BE")[0].name == "Mons"
    assert geocode("Bergen", near="NO")[0].country == "NO"
    assert geocode("Prag", near="DE")[0].country == "CZ"
    assert geocode("Vienne", near="FR")[0].country == "FR"
    assert geocode("Vienne, Autriche", near="FR")[0].name == "Vienna"
    # A bare name that is a place at home is that place; naming the country finds the other.
    assert geocode("Berne", near="FR")[0].country == "FR"
    assert geocode("Berne, Suisse", near="FR")[0].name == "Bern"


def test_inflected_forms_resolve_in_the_languages_of_the_country() -> None:
    assert [geocode(q, near=n)[0].city for q, n in [("v Praze", "CZ"), ("w Krakowie", "PL")]] == [
        "Prague",
        "Kraków",
    ]
    assert geocode("v Praze", near="CZ")[0].match == "inflected_name"
    assert geocode("w Wiedniu", near="PL")[0].name == "Vienna"  # a large city abroad


def test_a_near_miss_abroad_is_shown_with_its_country_and_not_picked() -> None:
    found = geocode("Leopoldstat", near="CZ")
    assert found and found[0].match == "similar_name"
    assert (found[0].country, found[0].district) == ("AT", "Leopoldstadt")
    assert all(place.country_name in place.reason for place in found)
    assert pick(found, country="CZ") is None
    assert pick(found, country="AT") == found[0]
    assert pick(geocode("Berlni")) is None
    assert pick(geocode("Berlni", country="DE"), country="DE") is not None
    assert pick(geocode("Berlin", near="CZ"), country="CZ") is not None  # exact abroad is fine


def test_monitoring_still_sees_the_cities_of_15000_people_or_more() -> None:
    """Entity matching in articles reads named_in_country: the small places stay out of it."""
    named = gazetteer().named_in_country("CZ")
    assert named and all(city.major for city, _ in named)
    assert {"praha", "prague", "prag"} <= set(next(n for c, n in named if c.name == "Prague"))
    assert all(city.population >= 15_000 or city.district_of >= 0 for city, _ in named)


def test_a_missing_index_is_built_on_first_use(tmp_path: Path) -> None:
    """The place of VIGIL_PLACES_INDEX has no file: the first lookup builds it."""
    index = tmp_path / "places.sqlite"
    script = "from vigil.geo.geocoding import geocode;print(geocode('Josefov', near='CZ')[0].name)"
    environment = {**os.environ, "VIGIL_PLACES_INDEX": str(index)}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "Josefov, Prague"
    assert index.exists() and index.stat().st_size > 1_000_000
