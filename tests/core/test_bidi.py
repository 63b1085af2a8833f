"""Mixed-direction text (core.bidi): user text isolated with its own direction, labels of SVG
charts in visual order, and a right-to-left bar chart that WeasyPrint prints mirrored with its
Hebrew labels readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring
from markupsafe import Markup

from tests.conftest import base_settings
from tests.core.bidi_pdf import line_with
from vigil.core.bidi import direction_of, isolated, svg_text, text_dir, visual
from vigil.core.pdf import render_pdf
from vigil.playbooks.charts import LEFT, WIDTH
from vigil.reports.charts import category_bars_svg

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("Synagogue Rykestrasse", "ltr"),
        ("בית הכנסת ברחוב Rykestrasse", "rtl"),
        ("12.03.2025 Praha", "ltr"),
        ("2025-03-12 · 14:00", None),
        ("", None),
    ],
)
def test_direction_is_the_first_strong_letters(text: str, direction: str | None) -> None:
    assert direction_of(text) == direction
    assert text_dir(text) == (direction or "auto")


def test_isolated_text_is_escaped_and_says_its_direction() -> None:
    assert isolated("<b>Praha</b>") == Markup('<bdi dir="ltr">&lt;b&gt;Praha&lt;/b&gt;</bdi>')
    assert isolated("ירושלים") == Markup('<bdi dir="rtl">ירושלים</bdi>')
    assert isolated("2025") == Markup("<bdi>2025</bdi>")
    assert isolated(None) == Markup("") == isolated("")
    # markup already made keeps its tags and is judged by its text
    assert isolated(Markup("<a href='/x'>ירושלים</a>")).startswith('<bdi dir="rtl"><a ')


@pytest.mark.parametrize(
    ("logical", "seen"),
    [
        ("abc 12", "abc 12"),
        ("נמוך", "ךומנ"),
        ("נמוך מאוד Berlin 12", "Berlin 12 דואמ ךומנ"),
        ("איום (בעל פה)", "(הפ לעב) םויא"),
        ("12.5 ש׳", "׳ש 12.5"),
        ("אירועים ב-2025: 12%", "12% :2025-ב םיעוריא"),
        ("Berlin (בית כנסת)", "Berlin (תסנכ תיב)"),
    ],
)
def test_visual_order_is_what_a_reader_sees_left_to_right(logical: str, seen: str) -> None:
    assert visual(logical) == seen


def test_svg_text_forces_the_visual_order_only_for_right_to_left_letters() -> None:
    assert svg_text("Praha & Brno") == "Praha &amp; Brno"
    forced = fromstring(f"<t>{svg_text('נמוך')}</t>")[0]
    assert forced.attrib == {"direction": "ltr", "unicode-bidi": "bidi-override"}
    assert forced.text == "ךומנ"


def test_right_to_left_bars_grow_from_the_right_edge() -> None:
    rows = [("אלימות קיצונית", 7), ("איום", 3)]
    for rtl in (False, True):
        root = fromstring(category_bars_svg(rows, series="אירועים", title="x", rtl=rtl))
        assert root.attrib["direction"] == "ltr"  # the page's direction cannot move the text
        bars = root.findall(f"{SVG}rect")
        starts = {float(b.attrib["x"]) + (float(b.attrib["width"]) if rtl else 0.0) for b in bars}
        assert starts == {WIDTH - LEFT if rtl else LEFT}
        labels = [t for t in root.findall(f"{SVG}text") if t.attrib.get("font-weight") == "bold"]
        assert {t.attrib["text-anchor"] for t in labels} == {"end" if rtl else "start"}
        assert {float(t.attrib["x"]) for t in labels} == {WIDTH - LEFT if rtl else LEFT}


def test_weasyprint_prints_a_right_to_left_chart_mirrored_and_its_labels_readable(
    tmp_path: Path,
) -> None:
    chart = category_bars_svg(
        [("אלימות קיצונית ב־Berlin", 7), ("איום", 3)], series="אירועים", title="x", rtl=True
    )
    document = (
        '<html lang="he" dir="rtl"><head><style>@page { size: A4; margin: 0 }</style></head>'
        "<body style=\"font-family: 'Vigil Sans'; margin: 0\">"
        f'<div style="width: 360px">{chart}</div></body></html>'
    )
    pdf = render_pdf(document, settings=base_settings("sqlite:///unused.db", tmp_path))
    line = line_with(pdf, "אלימות", "Berlin")
    violence, extreme = line.word("אלימות"), line.word("קיצונית")
    assert (violence.reads, extreme.reads, line.word("Berlin").reads) == ("rtl", "rtl", "ltr")
    assert violence.left > extreme.right > line.word("Berlin").right
    # the chart sits at the page's right edge (no margins), its label 8 px (6 pt) inside it
    assert abs(violence.right - (line.page_width - LEFT * 0.75)) < 2
