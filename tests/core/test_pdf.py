"""PDFs render with the shipped fonts, and their first page is not blank."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from tests.conftest import base_settings
from vigil.core.pdf import render_pdf


def first_page_ink(pdf: bytes) -> float:
    """The share of the first page's pixels that are not white."""
    document = pdfium.PdfDocument(pdf)
    image = document[0].render(scale=1).to_pil().convert("L")
    histogram = image.histogram()
    return sum(histogram[:200]) / sum(histogram)


def test_pdf_has_text_in_the_shipped_font(tmp_path: Path) -> None:
    settings = base_settings("sqlite:///unused.db", tmp_path)
    html = (
        "<html><body style=\"font-family: 'Vigil Sans'\"><h1>Risk report</h1>"
        "<p>Synagoge Oranienburger Straße — בית כנסת</p></body></html>"
    )
    pdf = render_pdf(html, settings=settings)
    assert pdf.startswith(b"%PDF")
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "Risk report" in text
    assert "Oranienburger" in text
    assert first_page_ink(pdf) > 0.001


def test_empty_document_is_blank(tmp_path: Path) -> None:
    settings = base_settings("sqlite:///unused.db", tmp_path)
    assert first_page_ink(render_pdf("<html><body></body></html>", settings=settings)) == 0
