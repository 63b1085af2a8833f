"""Make the app icons from the hand-written mark, src/vigil/static/icons/vigil.svg.

The PNGs are rasterised by the same Chromium the browser tests use (Playwright, in the venv),
so every size is drawn from the SVG itself rather than scaled from one bitmap, and Pillow packs
the favicon.ico. Run after changing the SVG, and commit what it writes:

    /work/bin/vt python tools/make_icons.py   (or .venv/bin/python tools/make_icons.py)

Writes, next to the SVG: vigil-192.png and vigil-512.png (transparent corners, "any"),
vigil-maskable-512.png (the navy fills the whole square: launchers cut their own shape, and the
shield lies inside the central 80 % circle that every mask keeps), apple-touch-icon.png (180 px,
full square: iOS fills transparency with black) and favicon.ico (16, 32 and 48 px).
"""

from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

ICONS = Path(__file__).resolve().parents[1] / "src" / "vigil" / "static" / "icons"
CHROMIUM = "/usr/bin/chromium"
BRAND = "#12263a"  # --brand in vigil.css
FAVICON_SIZES = (16, 32, 48)


def render(page: Page, svg: bytes, size: int, *, background: str | None) -> Image.Image:
    """The SVG drawn at size x size pixels; transparent where it draws nothing, unless a
    background fills the square."""
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    fill = f"background:{background};" if background else "background:transparent;"
    page.set_viewport_size({"width": size, "height": size})
    page.set_content(
        f'<html><body style="margin:0;{fill}">'
        f'<img src="{source}" width="{size}" height="{size}" style="display:block"></body></html>'
    )
    page.wait_for_function("document.images[0].complete")
    shot = page.screenshot(omit_background=background is None)
    return Image.open(io.BytesIO(shot)).convert("RGBA")


def main() -> int:
    svg = (ICONS / "vigil.svg").read_bytes()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(device_scale_factor=1)
        outputs = {
            "vigil-192.png": render(page, svg, 192, background=None),
            "vigil-512.png": render(page, svg, 512, background=None),
            "vigil-maskable-512.png": render(page, svg, 512, background=BRAND),
            "apple-touch-icon.png": render(page, svg, 180, background=BRAND),
        }
        favicons = [render(page, svg, size, background=None) for size in FAVICON_SIZES]
        browser.close()
    for name, image in outputs.items():
        image.save(ICONS / name, optimize=True)
    largest = favicons[-1]
    largest.save(
        ICONS / "favicon.ico",
        format="ICO",
        sizes=[(s, s) for s in FAVICON_SIZES],
        append_images=favicons[:-1],
    )
    for name in [*outputs, "favicon.ico"]:
        print(f"wrote {ICONS / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
