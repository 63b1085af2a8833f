"""SVG charts: well-formed, one radar vertex per section, the site's cell marked, labels escaped."""

from __future__ import annotations

import math
from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring

from tests.assessments.small import small
from vigil.assessments.charts import BAND_COLOURS, radar_svg, risk_matrix_svg
from vigil.assessments.methodology import shipped_methodologies
from vigil.core.localised import text_in

NS = "{http://www.w3.org/2000/svg}"


def _all(svg: Element, tag: str, cls: str | None = None) -> list[Element]:
    found = svg.iter(f"{NS}{tag}")
    return [e for e in found if cls is None or cls in (e.get("class") or "").split()]


def _points(polygon: Element) -> list[tuple[float, float]]:
    pairs = (p.split(",") for p in (polygon.get("points") or "").split())
    return [(float(x), float(y)) for x, y in pairs]


@pytest.mark.parametrize("count", [3, 5, 12])
def test_radar_has_one_vertex_per_section(count: int) -> None:
    sections = [(f"Section {i}", 100.0 * i / count) for i in range(count)]
    svg = fromstring(radar_svg(sections))
    assert svg.tag == f"{NS}svg"
    (data,) = _all(svg, "polygon", "radar-data")
    vertices = _points(data)
    assert len(vertices) == count
    # Each vertex lies on its axis at value/100 of the radius, from the top clockwise.
    rings = _all(svg, "polygon", "radar-grid")
    outer = _points(rings[-1])
    centre_x = sum(x for x, _ in outer) / count
    centre_y = sum(y for _, y in outer) / count
    radius = math.dist(outer[0], (centre_x, centre_y))
    for i, (x, y) in enumerate(vertices):
        assert math.dist((x, y), (centre_x, centre_y)) == pytest.approx(
            radius * sections[i][1] / 100, abs=0.2
        )
    assert len(_all(svg, "text", "radar-label")) == count


def test_radar_of_a_real_assessment_and_sections_without_answers() -> None:
    m = shipped_methodologies()["places_of_worship"]
    values: list[float | None] = [None if i % 4 == 0 else 7.5 * i for i in range(12)]
    sections = [(text_in(s.title), v) for s, v in zip(m.sections, values, strict=True)]
    svg = fromstring(radar_svg(sections, no_answers="keine Antworten"))
    (data,) = _all(svg, "polygon", "radar-data")
    assert len(_points(data)) == 12
    labels = ["".join(t.itertext()) for t in _all(svg, "text", "radar-label")]
    assert labels[0].endswith("keine Antworten")
    assert labels[1].endswith("8")  # 7.5 rounds to 8
    assert "Governance and" in labels[0]


def test_labels_are_escaped() -> None:
    hostile = '<script>alert("x")</script> & "quotes"'
    svg_text = radar_svg([(hostile, 50), ("B", 20), ("C", None)], title=hostile)
    svg = fromstring(svg_text)
    assert not list(svg.iter(f"{NS}script"))
    assert "<script>" not in svg_text
    texts = "".join(svg.itertext())
    assert "alert(" in texts and "&" in texts
    matrix_text = risk_matrix_svg(2, 3, impact_label=hostile, marker_label="<b>here</b>")
    matrix = fromstring(matrix_text)
    assert not list(matrix.iter(f"{NS}script")) and not list(matrix.iter(f"{NS}b"))
    assert hostile in "".join(matrix.itertext())


def test_matrix_marks_the_sites_cell() -> None:
    svg = fromstring(risk_matrix_svg(4, 2))
    cells = _all(svg, "rect", "risk-cell")
    assert len(cells) == 25
    (marker,) = _all(svg, "rect", "risk-marker")
    assert (marker.get("data-likelihood"), marker.get("data-impact")) == ("4", "2")
    cell = next(c for c in cells if (c.get("data-likelihood"), c.get("data-impact")) == ("4", "2"))
    assert (marker.get("x"), marker.get("y")) == (
        str(int(cell.get("x") or 0) + 3),
        str(int(cell.get("y") or 0) + 3),
    )
    desc = svg.find(f"{NS}desc")
    assert desc is not None and "8 (medium)" in (desc.text or "")


def test_matrix_cells_follow_the_methodologys_bands() -> None:
    bands = [(b.up_to, b.band) for b in small().scoring.risk_bands]
    svg = fromstring(risk_matrix_svg(None, None, bands=bands))
    assert not _all(svg, "rect", "risk-marker")
    for cell in _all(svg, "rect", "risk-cell"):
        risk = int(cell.get("data-likelihood") or 0) * int(cell.get("data-impact") or 0)
        band = next(code for up_to, code in bands if risk <= up_to)
        assert f"band-{band}" in (cell.get("class") or "")
        assert cell.get("fill") == BAND_COLOURS[band]
    top_left = next(c for c in _all(svg, "rect", "risk-cell") if c.get("data-likelihood") == "5")
    bottom_left = next(c for c in _all(svg, "rect", "risk-cell") if c.get("data-likelihood") == "1")
    # Likelihood grows upwards.
    assert float(top_left.get("y") or 0) < float(bottom_left.get("y") or 0)


def test_no_inline_style_or_script() -> None:
    """The page's Content-Security-Policy forbids both; presentation attributes only."""
    for text in (radar_svg([("A", 1), ("B", 2), ("C", 3)]), risk_matrix_svg(1, 1)):
        svg = fromstring(text)
        assert all("style" not in e.attrib for e in svg.iter())
        assert not any(e.tag.endswith("style") or e.tag.endswith("script") for e in svg.iter())
