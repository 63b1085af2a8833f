"""PDF documents (assessment reports, incident timelines) from Vigil's own HTML, with WeasyPrint.

The fonts come from the `dejavu-fonts-ttf` npm package installed by the Makefile (DECISIONS 24),
so a PDF looks the same on every machine and needs no network: DejaVu covers Latin, Greek,
Cyrillic, Hebrew and Arabic letters, which the communities Vigil serves write in.
"""

from __future__ import annotations

from pathlib import Path

from vigil.core.config import Settings
from vigil.core.errors import DomainError

FONT_FILES = {
    ("normal", "normal"): "DejaVuSans.ttf",
    ("bold", "normal"): "DejaVuSans-Bold.ttf",
    ("normal", "italic"): "DejaVuSans-Oblique.ttf",
    ("bold", "italic"): "DejaVuSans-BoldOblique.ttf",
}


class PdfUnavailable(DomainError):
    status = 503
    title = "PDF not available"


def font_dir(settings: Settings) -> Path:
    return settings.node_modules / "dejavu-fonts-ttf" / "ttf"


def font_css(settings: Settings) -> str:
    """@font-face rules for the shipped fonts, as file URLs WeasyPrint reads from disk."""
    folder = font_dir(settings)
    rules = []
    for (weight, style), name in FONT_FILES.items():
        url = (folder / name).resolve().as_uri()
        rules.append(
            "@font-face { font-family: 'Vigil Sans'; "
            f"src: url('{url}'); font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


def render_pdf(html: str, *, settings: Settings) -> bytes:
    """The PDF of a complete HTML document; its CSS should use font-family 'Vigil Sans'."""
    if not (font_dir(settings) / FONT_FILES[("normal", "normal")]).is_file():
        raise PdfUnavailable(
            "The PDF fonts are not installed: run `make install` (npm package dejavu-fonts-ttf)."
        )
    from weasyprint import CSS, HTML  # imported here: it loads Pango, which only PDFs need

    fonts = CSS(string=font_css(settings))
    pdf = HTML(string=html, base_url=str(font_dir(settings))).write_pdf(stylesheets=[fonts])
    if pdf is None:  # pragma: no cover - write_pdf without a target always returns bytes
        raise PdfUnavailable("WeasyPrint produced no document.")
    return bytes(pdf)
