"""The statistics page's charts as plain SVG drawn on the server (no script, no charting
library): columns over time (one series, or two side by side for a year over year), and
horizontal bars for categories (the playbooks' `bar_chart_svg`, whose house style these share).

Presentation attributes only (the CSP forbids inline styles); every label is escaped. The
viewBox is a phone's width, so a chart scales down with the page and never scrolls sideways;
where the columns are too narrow for their numbers, the table beside the chart has them.
Right to left (`rtl`), time still runs left to right, as it does in Hebrew charts, and only the
legend moves to the right; bars of categories grow from the right (docs/languages.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from vigil.core.bidi import svg_text
from vigil.playbooks.charts import (
    AXIS_COLOUR,
    FONT,
    SERIES_COLOURS,
    TEXT_COLOUR,
    WIDTH,
    bar_chart_svg,
)

PLOT_HEIGHT = 150
LEFT = 8
RIGHT = 8
VALUE_ROOM = 14  # above the tallest column, for its number
AXIS_LABEL_ROOM = 18
CHAR_WIDTH = 6.2  # of a character at font size 10-11, to decide what fits
LEGEND_LINE = 16
BAR_LABEL_CHARS = 52  # longer category labels are shortened in the chart, whole in the table


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def shortened(label: str, chars: int = BAR_LABEL_CHARS) -> str:
    """The label cut to `chars` characters with an ellipsis (the table beside keeps it whole)."""
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def _legend(series: Sequence[str], rtl: bool) -> tuple[list[str], int]:
    if len(series) < 2:
        return [], 0
    out = []
    box, text, anchor = (
        (WIDTH - LEFT - 10, WIDTH - LEFT - 14, "end") if rtl else (LEFT, LEFT + 14, "start")
    )
    for i, name in enumerate(series):
        y = LEGEND_LINE * (i + 1)
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        out.append(
            f'<rect x="{box}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{text}" y="{y}" text-anchor="{anchor}" fill="{TEXT_COLOUR}">'
            f"{svg_text(name)}</text>"
        )
    return out, LEGEND_LINE * len(series) + 4


def _label_step(labels: Sequence[str], slot: float) -> int:
    """Every how many columns an axis label fits without touching its neighbour."""
    widest = max((len(label) for label in labels), default=1) * CHAR_WIDTH + 6
    step = 1
    while step * slot < widest:
        step += 1
    return step


def column_chart_svg(
    rows: Sequence[tuple[str, Sequence[int]]],
    *,
    series: Sequence[str],
    title: str,
    rtl: bool = False,
) -> str:
    """Rows of (axis label, one value per series) as columns, left to right (time runs that
    way, in right-to-left pages too); two series stand side by side in each slot. Each column's
    number is written above it when it fits, and every column carries its label and number as a
    tooltip."""
    legend, top = _legend(series, rtl)
    top += VALUE_ROOM
    height = top + PLOT_HEIGHT + AXIS_LABEL_ROOM
    n_series = max(1, len(series))
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(rows))
    bar = slot * 0.8 / n_series
    largest = max((v for _, values in rows for v in values), default=0)
    scale = PLOT_HEIGHT / largest if largest > 0 else 0.0
    base = top + PLOT_HEIGHT
    step = _label_step([label for label, _ in rows], slot)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{_a(title)}" '
        f'font-family="{_a(FONT)}" font-size="10" class="column-chart" direction="ltr">',
        f"<title>{_a(title)}</title>",
        *legend,
    ]
    if largest:  # the scale: a faint line at the largest value, with its number
        out.append(
            f'<line x1="{LEFT}" y1="{top}" x2="{WIDTH - RIGHT}" y2="{top}" '
            f'stroke="{AXIS_COLOUR}" stroke-dasharray="2 3"/>'
        )
    for r, (label, values) in enumerate(rows):
        x0 = LEFT + r * slot + slot * 0.1
        for i, value in enumerate(values):
            height_of = max(1.0, value * scale) if value > 0 else 0.0
            x = x0 + i * bar
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            tip = f"{label}: {value}" if n_series == 1 else f"{label} ({series[i]}): {value}"
            if height_of:
                out.append(
                    f'<rect x="{x:.1f}" y="{base - height_of:.1f}" width="{bar:.1f}" '
                    f'height="{height_of:.1f}" fill="{colour}" data-value="{value}">'
                    f"<title>{_a(tip)}</title></rect>"
                )
            if value and len(str(value)) * CHAR_WIDTH <= bar + 2:  # zeros: the table's
                out.append(
                    f'<text x="{x + bar / 2:.1f}" y="{base - height_of - 3:.1f}" '
                    f'text-anchor="middle" fill="{TEXT_COLOUR}">{value}</text>'
                )
        if r % step == 0:
            out.append(
                f'<text x="{LEFT + r * slot + slot / 2:.1f}" y="{base + 13}" '
                f'text-anchor="middle" fill="{TEXT_COLOUR}">{svg_text(label)}</text>'
            )
    out.append(
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="{AXIS_COLOUR}"/>'
    )
    if largest and len(str(largest)) * CHAR_WIDTH > bar + 2:  # no number above the columns
        out.append(
            f'<text x="{WIDTH - RIGHT}" y="{top - 3}" text-anchor="end" '
            f'fill="{TEXT_COLOUR}">{largest}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def category_bars_svg(
    rows: Sequence[tuple[str, int]], *, series: str, title: str, rtl: bool = False
) -> str:
    """Categories as horizontal bars, each count written beside its bar; long labels are
    shortened here and kept whole in the table beside."""
    return bar_chart_svg(
        [(shortened(label), [float(value)]) for label, value in rows],
        series=[series],
        title=title,
        value_label="{:.0f}",
        rtl=rtl,
    )
