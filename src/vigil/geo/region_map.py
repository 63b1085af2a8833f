"""Incidents by region as a choropleth map in plain SVG, drawn on the server from the shipped
boundaries (`vigil.geo.boundaries`): no map library, no tiles, no script, nothing fetched.

Each region of the countries counted is one `<path>` with a `<title>` "Region: N", coloured by
its class (a few classes, a legend beside); regions without incidents are drawn neutral so the
country's shape still reads. The projection is equirectangular with longitudes shortened by the
cosine of the middle latitude, fit to the countries drawn; regions far from the rest of their
country (French overseas départements, Alaska), and countries far from the one with most
incidents, are drawn as insets below, each at its own scale. Outlines are simplified to within
0.6 px and written as relative moves in tenths of a pixel, which keeps one country under ~60 KB
(France's 101 départements: 40 KB).
Presentation attributes only (the CSP forbids inline styles); every label is escaped.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from vigil.core.bidi import svg_text
from vigil.geo.boundaries import Region, country_regions
from vigil.geo.distance import haversine_km

FONT = "Vigil Sans, DejaVu Sans, sans-serif"
TEXT_COLOUR = "#1f1f1f"
EDGE_COLOUR = "#ffffff"
NEUTRAL_COLOUR = "#e4e4e4"
CLASS_COLOURS = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")  # light to dark
WIDTH = 360  # fits a 375 px phone; the SVG scales down with the page otherwise
MAX_MAP_HEIGHT = 420
MARGIN = 4
TITLE_HEIGHT = 20
INSET = 56  # side of the box of a remote region
LEGEND_LINE = 16
SIMPLIFY_TENTHS = 6.0  # outlines kept within 0.6 px
REMOTE_KM = 1500.0  # a region this far from the middle of its country is drawn as an inset
REMOTE_TIMES_MEDIAN = 3.0
REMOTE_COUNTRY_KM = 2000.0  # a country this far from the one with most incidents: an inset
COUNTRY_INSET = 2 * INSET + MARGIN
Box = tuple[float, float, float, float]  # min_x, min_y, max_x, max_y


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def region_map_svg(
    counts: Mapping[tuple[str, str], int],
    *,
    title: str,
    empty_label: str = "no incidents",
    rtl: bool = False,
) -> str:
    """The map of `counts` by (ISO 3166-1 alpha-2 country, region name as `region_of` gives).

    Every region of each country counted is drawn; counts under no region ("") or a name the
    boundaries do not know are not on the map (the data table beside it lists them). The map
    is geographic and never mirrored; right to left (`rtl`), its title and legend move to the
    right edge."""
    by_region = {(c.upper(), r): n for (c, r), n in counts.items() if c and n > 0}
    classes = colour_classes(by_region.values())
    main, insets = _layout(counts, by_region)
    out: list[str] = []
    y = TITLE_HEIGHT
    if main:
        frame = (MARGIN, y, WIDTH - 2 * MARGIN, MAX_MAP_HEIGHT)
        y += _draw(out, main, by_region, classes, frame) + MARGIN
    x, row_height = MARGIN, 0
    for items, side in insets:
        if x + side > WIDTH - MARGIN:  # the next row of insets
            x, y, row_height = MARGIN, y + row_height + MARGIN, 0
        out.append(
            f'<rect x="{x}" y="{y}" width="{side}" height="{side}" fill="none" '
            f'stroke="{NEUTRAL_COLOUR}"/>'
        )
        _draw(out, items, by_region, classes, (x + 2, y + 2, side - 4, side - 4))
        x, row_height = x + side + MARGIN, max(row_height, side)
    y = _legend(out, classes, empty_label, y + row_height + 4, rtl)
    title_x, anchor = (WIDTH - MARGIN, "end") if rtl else (MARGIN, "start")
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {y}" '
        f'width="{WIDTH}" height="{y}" role="img" aria-label="{_a(title)}" '
        f'font-family="{_a(FONT)}" font-size="11" class="region-map" direction="ltr">'
        f"<title>{_a(title)}</title>"
        f'<text x="{title_x}" y="14" text-anchor="{anchor}" fill="{TEXT_COLOUR}" '
        f'font-weight="bold">{svg_text(title)}</text>'
    )
    return head + "".join(out) + "</svg>"


Items = list[tuple[str, Region]]


def _layout(
    counts: Mapping[tuple[str, str], int], by_region: Mapping[tuple[str, str], int]
) -> tuple[Items, list[tuple[Items, int]]]:
    """The regions of the main map, and the insets (regions, side in px): one per region far
    from its country, one per country far from the country with most incidents (Israel beside
    Germany), so that distance does not shrink every country to a few pixels."""
    totals: dict[str, int] = {}
    for (country, _), n in counts.items():
        if country:
            totals[country.upper()] = totals.get(country.upper(), 0) + max(n, 0)
    bodies: dict[str, Items] = {}
    insets: list[tuple[Items, int]] = []
    for country in sorted(totals, key=lambda c: (-totals[c], c)):
        near, far = _split_remote(country_regions(country).regions)
        if near:
            bodies[country] = [(country, r) for r in near]
        insets += [([(country, r)], INSET) for r in far]
    if not bodies:
        return [], insets
    centres = {c: _centre([r.shape for _, r in items]) for c, items in bodies.items()}
    lead_lat, lead_lon = next(iter(centres.values()))
    main: Items = []
    for country, items in bodies.items():
        lat, lon = centres[country]
        if haversine_km(lead_lat, lead_lon, lat, lon) <= REMOTE_COUNTRY_KM:
            main += items
        else:
            insets.insert(0, (items, COUNTRY_INSET))
    return main, insets


def _centre(shapes: Sequence[BaseGeometry]) -> tuple[float, float]:
    """(lat, lon) at the median of the shapes' inner points: the middle of a country."""
    points = [s.representative_point() for s in shapes]
    return statistics.median(p.y for p in points), statistics.median(p.x for p in points)


def colour_classes(values: Iterable[int]) -> list[tuple[int, int]]:
    """Up to five (low, high) count ranges, each holding about as many regions (quantiles), so a
    single large city does not leave every other region in the lightest class."""
    ordered = sorted(v for v in values if v > 0)
    if not ordered:
        return []
    wanted = min(len(CLASS_COLOURS), len(set(ordered)))
    highs: list[int] = []
    for k in range(1, wanted + 1):
        high = ordered[math.ceil(k * len(ordered) / wanted) - 1]
        if not highs or high > highs[-1]:
            highs.append(high)
    lows = [ordered[0]] + [h + 1 for h in highs[:-1]]
    return list(zip(lows, highs, strict=True))


def _colour(count: int, classes: Sequence[tuple[int, int]]) -> str:
    if count <= 0:
        return NEUTRAL_COLOUR
    shift = len(CLASS_COLOURS) - len(classes)  # few classes take the darker colours
    for i, (_, high) in enumerate(classes):
        if count <= high:
            return CLASS_COLOURS[i + shift]
    return CLASS_COLOURS[-1]


def _split_remote(regions: Sequence[Region]) -> tuple[list[Region], list[Region]]:
    """The regions near the middle of their country, and those far from it: further than
    REMOTE_KM and than thrice the regions' median distance (California is not remote)."""
    if len(regions) < 3:
        return list(regions), []
    lat, lon = _centre([r.shape for r in regions])
    points = [r.shape.representative_point() for r in regions]
    km = [haversine_km(lat, lon, p.y, p.x) for p in points]
    limit = max(REMOTE_KM, REMOTE_TIMES_MEDIAN * statistics.median(km))
    near = [region for region, d in zip(regions, km, strict=True) if d <= limit]
    far = [region for region, d in zip(regions, km, strict=True) if d > limit]
    return near, far


def _unwrapped(shape: BaseGeometry) -> BaseGeometry:
    """A shape across the antimeridian with its western parts moved east of 180°."""
    min_x, _, max_x, _ = shape.bounds
    if max_x - min_x <= 180:
        return shape
    parts = [p for p in getattr(shape, "geoms", [shape]) if isinstance(p, Polygon)]
    return MultiPolygon([affinity.translate(p, 360) if p.bounds[2] < 0 else p for p in parts])


def _draw(
    out: list[str],
    items: Sequence[tuple[str, Region]],
    by_region: Mapping[tuple[str, str], int],
    classes: Sequence[tuple[int, int]],
    frame: Box,
) -> int:
    """Paths for the regions fit into the frame (x, y, width, max height); the height used."""
    shapes = [_unwrapped(region.shape) for _, region in items]
    bounds = [s.bounds for s in shapes]
    min_x, min_y = min(b[0] for b in bounds), min(b[1] for b in bounds)
    max_x, max_y = max(b[2] for b in bounds), max(b[3] for b in bounds)
    squeeze = math.cos(math.radians((min_y + max_y) / 2))
    left, top, width, max_height = frame
    span_x, span_y = max((max_x - min_x) * squeeze, 1e-6), max(max_y - min_y, 1e-6)
    scale = min(width / span_x, max_height / span_y)
    # Shapes in tenths of a pixel from the frame's corner, simplified to under a pixel.
    to_tenths = (10 * squeeze * scale, 0, 0, -10 * scale, 10 * (left - min_x * squeeze * scale))
    matrix = [*to_tenths, 10 * (top + max_y * scale)]
    out.append(f'<g fill-rule="evenodd" stroke="{EDGE_COLOUR}" stroke-width="0.5">')
    for (country, region), shape in zip(items, shapes, strict=True):
        count = by_region.get((country, region.name), 0)
        projected = affinity.affine_transform(shape, matrix)
        d = "".join(_ring_path(ring) for ring in _rings(projected.simplify(SIMPLIFY_TENTHS)))
        if d:
            out.append(
                f'<path d="{d}" fill="{_colour(count, classes)}">'
                f"<title>{_a(region.name)}: {count}</title></path>"
            )
    out.append("</g>")
    return round(span_y * scale)


def _rings(shape: BaseGeometry) -> list[Sequence[tuple[float, float]]]:
    rings: list[Sequence[tuple[float, float]]] = []
    for part in getattr(shape, "geoms", [shape]):
        if isinstance(part, Polygon) and not part.is_empty:
            rings.append(part.exterior.coords)
            rings.extend(hole.coords for hole in part.interiors)
    return rings


def _ring_path(ring: Sequence[tuple[float, float]]) -> str:
    """A closed path of moves relative to the previous point (short numbers), in pixels."""
    points: list[tuple[int, int]] = []
    for x, y, *_ in ring:
        point = (round(x), round(y))
        if not points or point != points[-1]:
            points.append(point)
    if len(points) < 4:  # a ring simplified to a sliver or a point
        return ""
    (x0, y0), steps = points[0], []
    for (x1, y1), (x2, y2) in zip(points, points[1:-1], strict=False):
        steps.append(f"{_px(x2 - x1)} {_px(y2 - y1)}")
    return f"M{_px(x0)} {_px(y0)}l{' '.join(steps)}z"


def _px(tenths: int) -> str:
    """Tenths of a pixel written short: 12 -> "1.2", -3 -> "-.3", 20 -> "2"."""
    whole, rest = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    if not rest:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{rest}"


def _legend(
    out: list[str], classes: Sequence[tuple[int, int]], empty: str, y: float, rtl: bool
) -> int:
    """One swatch per class and one for regions without incidents; the bottom of the legend."""
    box, text, anchor = (
        (WIDTH - MARGIN - 12, WIDTH - MARGIN - 18, "end") if rtl else (MARGIN, MARGIN + 18, "start")
    )
    shift = len(CLASS_COLOURS) - len(classes)
    rows = [(NEUTRAL_COLOUR, empty)] + [
        (CLASS_COLOURS[i + shift], str(low) if low == high else f"{low}–{high}")
        for i, (low, high) in enumerate(classes)
    ]
    for colour, label in rows:
        out.append(
            f'<rect x="{box}" y="{y}" width="12" height="12" fill="{colour}" '
            f'stroke="{TEXT_COLOUR}" stroke-width="0.3"/>'
            f'<text x="{text}" y="{y + 10}" text-anchor="{anchor}" fill="{TEXT_COLOUR}">'
            f"{svg_text(label)}</text>"
        )
        y += LEGEND_LINE
    return round(y + MARGIN)
