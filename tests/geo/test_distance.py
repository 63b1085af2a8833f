"""Distances against known figures, and bounding boxes that never cut off a point of the circle."""

from __future__ import annotations

import math

import pytest

from vigil.geo.distance import (
    EARTH_RADIUS_KM,
    bbox,
    haversine_km,
    is_within_radius,
    within_radius,
)

BERLIN = (52.5200, 13.4050)
PRAGUE = (50.0755, 14.4378)
LONDON = (51.5074, -0.1278)
PARIS = (48.8566, 2.3522)
NEW_YORK = (40.7128, -74.0060)


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point `km` away on a bearing (spherical direct formula), longitude in [-180, 180)."""
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    delta = km / EARTH_RADIUS_KM
    phi2 = math.asin(
        math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta)
    )
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [(BERLIN, PRAGUE, 280.0), (LONDON, PARIS, 343.5), (NEW_YORK, LONDON, 5570.0)],
    ids=["berlin-prague", "london-paris", "new_york-london"],
)
def test_haversine_matches_known_distances_within_one_percent(
    a: tuple[float, float], b: tuple[float, float], km: float
) -> None:
    assert haversine_km(*a, *b) == pytest.approx(km, rel=0.01)
    assert haversine_km(*b, *a) == pytest.approx(haversine_km(*a, *b))


def test_haversine_of_a_point_to_itself_and_to_its_antipode() -> None:
    assert haversine_km(*BERLIN, *BERLIN) == 0
    assert haversine_km(10.0, 20.0, -10.0, -160.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_within_radius_keeps_the_near_items_nearest_first() -> None:
    sites = {"prague": PRAGUE, "paris": PARIS, "berlin": BERLIN}
    near = within_radius(*BERLIN, 300.0, sites, position=sites.__getitem__)
    assert [name for name, _ in near] == ["berlin", "prague"]
    assert near[1][1] == pytest.approx(haversine_km(*BERLIN, *PRAGUE))
    assert is_within_radius(*BERLIN, *PRAGUE, 300.0)
    assert not is_within_radius(*BERLIN, *PRAGUE, 250.0)


@pytest.mark.parametrize("lat", [0.0, 45.0, -60.0, 80.0, 89.0])
@pytest.mark.parametrize("lon", [0.0, 13.4, -179.95, 179.95])
@pytest.mark.parametrize("radius_km", [1.0, 50.0, 500.0])
def test_bbox_holds_every_point_of_the_circle(lat: float, lon: float, radius_km: float) -> None:
    min_lat, min_lon, max_lat, max_lon = bbox(lat, lon, radius_km)
    for bearing in range(0, 360, 3):
        point_lat, point_lon = destination(lat, lon, bearing, radius_km * 0.9999)
        assert min_lat <= point_lat <= max_lat
        assert min_lon <= point_lon <= max_lon, (bearing, point_lon)


@pytest.mark.parametrize(("lat", "lon"), [(52.5, 13.4), (-33.9, 151.2), (0.0, -60.0)])
def test_bbox_is_tight_where_it_need_not_be_the_whole_world(lat: float, lon: float) -> None:
    radius_km = 20.0
    min_lat, min_lon, max_lat, max_lon = bbox(lat, lon, radius_km)
    reached = [destination(lat, lon, bearing / 10, radius_km) for bearing in range(3600)]
    assert min(p[0] for p in reached) == pytest.approx(min_lat, abs=1e-4)
    assert max(p[0] for p in reached) == pytest.approx(max_lat, abs=1e-4)
    assert min(p[1] for p in reached) == pytest.approx(min_lon, abs=1e-4)
    assert max(p[1] for p in reached) == pytest.approx(max_lon, abs=1e-4)


def test_bbox_spans_all_longitudes_around_a_pole_and_across_the_antimeridian() -> None:
    assert bbox(89.9, 10.0, 50.0) == pytest.approx((89.9 - 50 / 111.195, -180, 90, 180), abs=1e-3)
    min_lat, min_lon, max_lat, max_lon = bbox(-17.8, 179.9, 50.0)
    assert (min_lon, max_lon) == (-180.0, 180.0)
    assert max_lat - min_lat == pytest.approx(2 * 50 / 111.195, rel=1e-3)


def test_bbox_refuses_a_negative_radius() -> None:
    with pytest.raises(ValueError, match="radius_km"):
        bbox(0.0, 0.0, -1.0)
