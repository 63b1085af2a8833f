"""The map by region is an SVG a page can inline under the CSP: well-formed, one path per
region of the countries counted, counts in the titles, hostile names escaped, a phone's width."""

from __future__ import annotations

from unittest.mock import patch

from defusedxml.ElementTree import fromstring
from shapely.geometry import box

from vigil.geo import region_map
from vigil.geo.boundaries import CountryRegions, Region, country_regions
from vigil.geo.region_map import colour_classes, region_map_svg

SVG = "{http://www.w3.org/2000/svg}"
MAX_ONE_COUNTRY_BYTES = 60_000


def titles(svg: str) -> dict[str, str]:
    """Each region path's title, by its fill colour's region name."""
    root = fromstring(svg)
    found = {}
    for path in root.iter(f"{SVG}path"):
        title = path.find(f"{SVG}title")
        assert title is not None and title.text
        name, _, count = title.text.rpartition(": ")
        found[name] = count
    return found


def test_every_region_of_the_countries_counted_is_one_path_with_its_count() -> None:
    svg = region_map_svg({("DE", "Bayern"): 7, ("CZ", "Prague"): 3}, title="Incidents")
    drawn = titles(svg)
    expected = {r.name for c in ("DE", "CZ") for r in country_regions(c).regions}
    assert set(drawn) == expected
    assert len(fromstring(svg).findall(f".//{SVG}path")) == len(expected)
    assert (drawn["Bayern"], drawn["Prague"], drawn["Berlin"]) == ("7", "3", "0")


def test_regions_without_incidents_are_neutral_and_counted_ones_coloured() -> None:
    svg = region_map_svg({("AT", "Wien"): 12}, title="Incidents")
    fills = {p.find(f"{SVG}title").text: p.get("fill") for p in fromstring(svg).iter(f"{SVG}path")}
    assert fills["Wien: 12"] != fills["Tirol: 0"] == region_map.NEUTRAL_COLOUR


def test_a_remote_region_is_drawn_too() -> None:
    drawn = titles(region_map_svg({("FR", "La Réunion"): 2, ("FR", "Paris"): 1}, title="x"))
    assert (drawn["La Réunion"], drawn["Paris"]) == ("2", "1")
    assert len(drawn) == len(country_regions("FR").regions)


def test_a_country_far_from_the_others_is_drawn_beside_them_at_its_own_scale() -> None:
    svg = region_map_svg({("DE", "Berlin"): 5, ("IL", "Haifa"): 2}, title="x")
    insets = fromstring(svg).findall(f"{SVG}rect[@fill='none']")
    assert len(insets) == 1 and float(insets[0].get("width", "0")) > region_map.INSET
    drawn = titles(svg)
    assert (drawn["Berlin"], drawn["Haifa"], drawn["Jerusalem"]) == ("5", "2", "0")


def test_the_map_fits_a_phone_and_scales_with_the_page() -> None:
    root = fromstring(region_map_svg({("PL", "Masovian"): 4}, title="Incidents"))
    assert root.get("viewBox", "").startswith("0 0 360 ")
    assert int(root.get("width", "0")) <= 375


def test_the_map_uses_no_inline_style_or_script() -> None:
    svg = region_map_svg({("BE", "Antwerp"): 4}, title="Incidents")
    assert "style" not in svg and "script" not in svg.lower()


def test_one_country_stays_small() -> None:
    for country in ("FR", "DE"):
        svg = region_map_svg({(country, "Paris"): 1}, title="Incidents")
        assert len(svg.encode()) < MAX_ONE_COUNTRY_BYTES, country


def test_hostile_region_names_and_titles_are_escaped() -> None:
    hostile = '<script>alert("x")</script>&'
    shapes = CountryRegions("ZZ", (Region(hostile, box(0, 0, 1, 1)),), None)  # type: ignore[arg-type]
    with patch.object(region_map, "country_regions", return_value=shapes):
        svg = region_map_svg({("ZZ", hostile): 5}, title=hostile, empty_label=hostile)
    assert "<script>" not in svg
    assert titles(svg) == {hostile: "5"}


def test_no_counts_draw_the_empty_label() -> None:
    root = fromstring(region_map_svg({}, title="Incidents", empty_label="nothing yet"))
    assert "nothing yet" in [t.text for t in root.iter(f"{SVG}text")]
    assert root.find(f".//{SVG}path") is None


def test_colour_classes_hold_every_count_once() -> None:
    classes = colour_classes([1, 1, 2, 3, 5, 8, 13, 100, 0])
    assert classes[0][0] == 1 and classes[-1][1] == 100
    assert all(high + 1 == low for (_, high), (low, _) in zip(classes, classes[1:], strict=False))
    assert len(classes) <= len(region_map.CLASS_COLOURS)
    assert colour_classes([4, 4]) == [(4, 4)]
