"""A horizontal bar chart as plain SVG, drawn on the server (no charting library, no script):
one group of bars per row label, one bar per series, each value written next to its bar so the
chart reads without colour. Presentation attributes only (the CSP forbids inline styles);
every label is escaped. Right to left (`rtl`), the bars grow from the right edge with their
labels right-aligned (docs/languages.md); the SVG's own coordinates stay physical
(`direction="ltr"`) so the page's direction cannot move its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from vigil.core.bidi import svg_text

FONT = "Vigil Sans, DejaVu Sans, sans-serif"
SERIES_COLOURS = ("#1a5fb4", "#c64600", "#26a269", "#813d9c")
TEXT_COLOUR = "#1f1f1f"
AXIS_COLOUR = "#9e9e9e"
WIDTH = 360  # fits a 375 px phone; the SVG scales down with the page otherwise
LABEL_HEIGHT = 16
BAR_HEIGHT = 12
GAP = 10
LEFT = 8
VALUE_ROOM = 64  # room right of the longest bar for its value


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def bar_chart_svg(
    rows: Sequence[tuple[str, Sequence[float | None]]],
    *,
    series: Sequence[str],
    title: str,
    value_label: str = "{:.1f}",
    empty: str = "no data",
    rtl: bool = False,
) -> str:
    """Rows of (label, one value per series); a missing value draws no bar and says `empty`."""

    def x(at: float, width: float = 0.0) -> float:
        """A distance from the start edge as an x coordinate (of a box `width` wide)."""
        return WIDTH - at - width if rtl else at

    start = "end" if rtl else "start"
    top = LABEL_HEIGHT + 4 + (LABEL_HEIGHT * len(series) if len(series) > 1 else 0)
    group = LABEL_HEIGHT + BAR_HEIGHT * len(series) + GAP
    height = top + group * max(1, len(rows)) + 4
    largest = max((v for _, values in rows for v in values if v is not None), default=0.0)
    scale = (WIDTH - LEFT - VALUE_ROOM) / largest if largest > 0 else 0.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{_a(title)}" '
        f'font-family="{_a(FONT)}" font-size="11" class="bar-chart" direction="ltr">',
        f"<title>{_a(title)}</title>",
    ]
    if len(series) > 1:  # a legend, one line per series
        for i, name in enumerate(series):
            y = LABEL_HEIGHT * (i + 1)
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            out.append(
                f'<rect x="{x(LEFT, 10)}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
                f'<text x="{x(LEFT + 14)}" y="{y}" text-anchor="{start}" '
                f'fill="{TEXT_COLOUR}">{svg_text(name)}</text>'
            )
    for r, (label, values) in enumerate(rows):
        y = top + r * group
        out.append(
            f'<text x="{x(LEFT)}" y="{y + LABEL_HEIGHT - 4}" text-anchor="{start}" '
            f'fill="{TEXT_COLOUR}" font-weight="bold">{svg_text(label)}</text>'
        )
        for i, value in enumerate(values):
            bar_y = y + LABEL_HEIGHT + i * BAR_HEIGHT
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            length = 0.0 if value is None else max(1.0, value * scale) if value > 0 else 0.0
            text = empty if value is None else value_label.format(value)
            if length:
                out.append(
                    f'<rect x="{x(LEFT, length):.1f}" y="{bar_y + 1}" width="{length:.1f}" '
                    f'height="{BAR_HEIGHT - 2}" fill="{colour}" data-value="{value}"/>'
                )
            out.append(
                f'<text x="{x(LEFT + length + 4):.1f}" y="{bar_y + BAR_HEIGHT - 2}" '
                f'text-anchor="{start}" fill="{TEXT_COLOUR}">{svg_text(text)}</text>'
            )
    out.append(
        f'<line x1="{x(LEFT)}" y1="{top}" x2="{x(LEFT)}" y2="{height - 4}" '
        f'stroke="{AXIS_COLOUR}" class="bar-axis"/>'
    )
    out.append("</svg>")
    return "".join(out)
