"""SVG charts of an assessment: a radar of section vulnerability and the 5x5 risk matrix.

Plain SVG strings, drawn here without a browser or a charting library, so the same markup goes
into the HTML page (inline) and into the WeasyPrint PDF. Only presentation attributes are used,
never `style` or scripts, because the Content-Security-Policy forbids inline styles and scripts.
Every label is escaped: section titles come from an organisation's own methodology YAML.
Both are drawn the same in right-to-left pages (a matrix's axes and a radar's clock are not
mirrored in Hebrew either): their coordinates are physical (`direction="ltr"`) and right-to-left
labels come in visual order (core.bidi.svg_text), which WeasyPrint needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from vigil.core.bidi import svg_text

FONT = "Vigil Sans, DejaVu Sans, sans-serif"
BAND_COLOURS = {
    "low": "#b7dfb9",
    "medium": "#fff0a0",
    "high": "#ffc680",
    "critical": "#f28b82",
}
DATA_COLOUR = "#b3261e"
GRID_COLOUR = "#9e9e9e"
TEXT_COLOUR = "#1f1f1f"
LABEL_CHARS = 18  # wrap radar labels at about this many characters per line


def _a(value: object) -> str:
    """An attribute value, escaped."""
    return escape(str(value), quote=True)


def _num(x: float) -> str:
    return f"{x:.1f}"


def _wrap(text: str, width: int = LABEL_CHARS) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def radar_svg(
    sections: Sequence[tuple[str, float | None]],
    *,
    title: str = "Vulnerability by section (0-100, higher is weaker)",
    no_answers: str = "no answers",
) -> str:
    """A radar of (section label, vulnerability 0-100 or None) with one vertex per section.

    A section without answers sits at 0 and its label says `no_answers`.
    """
    width, height, cx, cy, radius = 600, 500, 300, 250, 150
    n = max(len(sections), 1)

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * max(0.0, min(100.0, value)) / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    def points(values: Sequence[float]) -> str:
        return " ".join(
            f"{_num(x)},{_num(y)}" for x, y in (point(i, v) for i, v in enumerate(values))
        )

    desc = "; ".join(
        f"{label}: {no_answers if value is None else round(value)}" for label, value in sections
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="radar-title radar-desc" '
        f'class="chart radar" font-family="{_a(FONT)}" font-size="12" fill="{TEXT_COLOUR}" '
        'direction="ltr">',
        f'<title id="radar-title">{escape(title)}</title>',
        f'<desc id="radar-desc">{escape(desc)}</desc>',
    ]
    for ring in (20, 40, 60, 80, 100):
        out.append(
            f'<polygon class="radar-grid" points="{points([ring] * n)}" fill="none" '
            f'stroke="{GRID_COLOUR}" stroke-width="0.6"/>'
        )
        x, y = point(0, ring)
        out.append(
            f'<text x="{_num(x - 3)}" y="{_num(y + 10)}" font-size="9" text-anchor="end">'
            f"{ring}</text>"
        )
    for i in range(n):
        x, y = point(i, 100)
        out.append(
            f'<line x1="{cx}" y1="{cy}" x2="{_num(x)}" y2="{_num(y)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="0.6"/>'
        )
    values = [0.0 if v is None else float(v) for _, v in sections]
    out.append(
        f'<polygon class="radar-data" points="{points(values)}" fill="{DATA_COLOUR}" '
        f'fill-opacity="0.25" stroke="{DATA_COLOUR}" stroke-width="2"/>'
    )
    for i, (label, value) in enumerate(sections):
        x, y = point(i, values[i])
        out.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{DATA_COLOUR}"/>')
        out.append(_radar_label(point(i, 116), (cx, cy), label, value, no_answers))
    out.append("</svg>")
    return "\n".join(out)


def _radar_label(
    at: tuple[float, float],
    centre: tuple[float, float],
    label: str,
    value: float | None,
    no_answers: str,
) -> str:
    x, y = at
    cx, at_cy = centre
    reach = math.hypot(x - cx, y - at_cy) or 1.0
    anchor = "middle" if abs(x - cx) < 10 else ("start" if x > cx else "end")
    lines = _wrap(label)
    lines.append(no_answers if value is None else str(round(value)))
    # Above the centre a label ends at its point, below it starts there, in between it is
    # centred on it, so neighbouring labels do not overlap.
    below = max(-1.0, min(1.0, (y - at_cy) / reach))
    top = y + 4 * below - 14 * (len(lines) - 1) * (1 - below) / 2
    spans = "".join(
        f'<tspan x="{_num(x)}" y="{_num(top + 14 * k)}"'
        + (' font-weight="bold"' if k == len(lines) - 1 else "")
        + f">{svg_text(line)}</tspan>"
        for k, line in enumerate(lines)
    )
    return f'<text class="radar-label" text-anchor="{anchor}">{spans}</text>'


def risk_matrix_svg(
    likelihood: int | None,
    impact: int | None,
    *,
    bands: Sequence[tuple[int, str]] = ((4, "low"), (9, "medium"), (16, "high"), (25, "critical")),
    band_labels: dict[str, str] | None = None,
    title: str = "Risk matrix: likelihood x impact",
    likelihood_label: str = "Likelihood",
    impact_label: str = "Impact",
    marker_label: str = "This site",
) -> str:
    """The 5x5 matrix, cells coloured by band (`bands`: (up to risk, band) ascending), with the
    site's cell (likelihood, impact) marked; None for either leaves the matrix unmarked."""
    cell, left, top = 64, 70, 40
    width, height = left + 5 * cell + 60, top + 5 * cell + 100
    labels = band_labels or {}

    def band(risk: int) -> str:
        return next(b for up_to, b in bands if risk <= up_to)

    marked = likelihood is not None and impact is not None
    desc = title
    if likelihood is not None and impact is not None:
        code = band(likelihood * impact)
        desc = (
            f"{marker_label}: {likelihood_label} {likelihood}, {impact_label} {impact}, "
            f"{likelihood * impact} ({labels.get(code, code)})"
        )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="matrix-title matrix-desc" '
        f'class="chart risk-matrix" font-family="{_a(FONT)}" font-size="13" '
        f'fill="{TEXT_COLOUR}" direction="ltr">',
        f'<title id="matrix-title">{escape(title)}</title>',
        f'<desc id="matrix-desc">{escape(desc)}</desc>',
    ]
    for lik in range(1, 6):
        y = top + (5 - lik) * cell
        out.append(
            f'<text x="{left - 10}" y="{y + cell / 2 + 5:.0f}" text-anchor="end">{lik}</text>'
        )
        for imp in range(1, 6):
            x = left + (imp - 1) * cell
            risk = lik * imp
            out.append(
                f'<rect class="risk-cell band-{_a(band(risk))}" data-likelihood="{lik}" '
                f'data-impact="{imp}" x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{BAND_COLOURS.get(band(risk), "#ffffff")}" stroke="#ffffff" '
                f'stroke-width="2"/>'
            )
            # In the text's full colour: faded to 60 %, it fell under 4.5:1 on every band.
            out.append(
                f'<text x="{x + cell / 2:.0f}" y="{y + cell / 2 + 5:.0f}" '
                f'text-anchor="middle">{risk}</text>'
            )
    for imp in range(1, 6):
        at = left + (imp - 0.5) * cell
        bottom = top + 5 * cell + 18
        out.append(f'<text x="{at:.0f}" y="{bottom}" text-anchor="middle">{imp}</text>')
    out.append(
        f'<text x="{left + 2.5 * cell:.0f}" y="{top + 5 * cell + 40}" text-anchor="middle" '
        f'font-weight="bold">{svg_text(impact_label)}</text>'
    )
    mid_y = top + 2.5 * cell
    out.append(
        f'<text x="18" y="{mid_y:.0f}" text-anchor="middle" font-weight="bold" '
        f'transform="rotate(-90 18 {mid_y:.0f})">{svg_text(likelihood_label)}</text>'
    )
    if marked:
        assert likelihood is not None and impact is not None
        x = left + (impact - 1) * cell
        y = top + (5 - likelihood) * cell
        out.append(
            f'<rect class="risk-marker" data-likelihood="{likelihood}" data-impact="{impact}" '
            f'x="{x + 3}" y="{y + 3}" width="{cell - 6}" height="{cell - 6}" fill="none" '
            f'stroke="{TEXT_COLOUR}" stroke-width="4"/>'
        )
        out.append(
            f'<circle cx="{x + cell / 2:.0f}" cy="{y + 16}" r="6" fill="{TEXT_COLOUR}">'
            f"<title>{escape(marker_label)}</title></circle>"
        )
    legend_y = top + 5 * cell + 62
    for k, (_, code) in enumerate(bands):
        x = left + k * 90
        out.append(
            f'<rect x="{x:.0f}" y="{legend_y}" width="14" height="14" '
            f'fill="{BAND_COLOURS.get(code, "#ffffff")}" stroke="{GRID_COLOUR}"/>'
        )
        out.append(
            f'<text x="{x + 20:.0f}" y="{legend_y + 12}">{svg_text(labels.get(code, code))}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
