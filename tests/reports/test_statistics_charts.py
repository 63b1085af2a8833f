"""The statistics charts: SVG images with a title, scaled by their viewBox to a phone's width,
labels escaped, numbers written where they fit and always in each column's tooltip."""

from __future__ import annotations

from tests.html import parse
from vigil.reports.charts import category_bars_svg, column_chart_svg, shortened


def test_columns_are_an_image_of_a_phones_width_with_escaped_labels() -> None:
    svg = column_chart_svg(
        [("<b>Mar</b>", [3]), ("Apr & May", [0]), ("Jun", [12])], series=["x"], title="A < B"
    )
    root = parse(svg).find("svg")
    assert root.attrs["role"] == "img" and root.attrs["viewbox"].split()[2] == "360"
    assert root.find("title").text == "A < B"
    assert "<b>" not in svg and "&lt;b&gt;Mar&lt;/b&gt;" in svg
    assert [r.attrs["data-value"] for r in root.find_all("rect")] == ["3", "12"]  # no 0 column
    texts = [t.text for t in root.find_all("text")]
    assert "3" in texts and "12" in texts and "0" not in texts  # zeros are the table's


def test_two_series_stand_side_by_side_with_a_legend() -> None:
    svg = column_chart_svg(
        [("2026-03", [4, 2]), ("2026-04", [1, 5])], series=["2026", "2025"], title="Year on year"
    )
    root = parse(svg).find("svg")
    rects = [r for r in root.find_all("rect") if "data-value" in r.attrs]
    assert [r.attrs["data-value"] for r in rects] == ["4", "2", "1", "5"]
    assert {"2026", "2025"} <= {t.text for t in root.find_all("text")}
    assert rects[0].find("title").text == "2026-03 (2026): 4"


def test_many_narrow_columns_leave_their_numbers_to_the_table_and_tooltips() -> None:
    rows = [(f"2026-W{n:02d}", [100 + n]) for n in range(1, 53)]
    root = parse(column_chart_svg(rows, series=["x"], title="Weeks")).find("svg")
    texts = [t.text for t in root.find_all("text")]
    assert "101" not in texts and "152" in texts  # only the scale's largest value
    assert len([t for t in texts if t.startswith("2026-W")]) < 20  # axis labels thinned out
    assert root.find_all("rect")[0].find("title").text == "2026-W01: 101"


def test_category_bars_shorten_long_labels() -> None:
    label = "Calling for, helping or justifying the killing or harming of Jews, at length"
    svg = category_bars_svg([(label, 3), ("Online", 0)], series="incidents", title="By target")
    texts = [t.text for t in parse(svg).find("svg").find_all("text")]
    assert shortened(label) in texts and label not in texts and shortened(label).endswith("…")
    assert "3" in texts and "0" in texts
