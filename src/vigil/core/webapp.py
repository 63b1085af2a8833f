"""The installable app: the web manifest and the favicon, at the root where browsers look for
them. The manifest speaks the language asked for (`?lang=`, which base.html's link carries, as
browsers fetch manifests without cookies), names the app the same in every language, and keeps
one `id`, so installing from a page in Czech or in Hebrew installs the same app."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from vigil.core.localisation import RTL_LOCALES, gettext_for, locale_of

router = APIRouter(include_in_schema=False)

ICONS = Path(__file__).resolve().parents[1] / "static" / "icons"
# The header's navy (--brand) and the page's background (--wash) in vigil.css; base.html's
# theme-color meta says the same, and tests/core/test_webapp.py holds all three together.
THEME_COLOUR = "#12263a"
BACKGROUND_COLOUR = "#f3f5f8"
MANIFEST_TYPE = "application/manifest+json"
ICON_LIST = (
    {"src": "/static/icons/vigil.svg", "sizes": "any", "type": "image/svg+xml"},
    {"src": "/static/icons/vigil-192.png", "sizes": "192x192", "type": "image/png"},
    {"src": "/static/icons/vigil-512.png", "sizes": "512x512", "type": "image/png"},
    {
        "src": "/static/icons/vigil-maskable-512.png",
        "sizes": "512x512",
        "type": "image/png",
        "purpose": "maskable",
    },
)
ICON_MAX_AGE = "public, max-age=86400"


@router.get("/manifest.webmanifest")
def manifest(request: Request) -> JSONResponse:
    """What a browser needs to install Vigil as an app that opens on the dashboard."""
    locale = locale_of(request)
    _ = gettext_for(locale)
    body = {
        "id": "/",
        "name": "Vigil",
        "short_name": "Vigil",
        "description": _("Vigil — protecting soft targets together."),
        "lang": locale.replace("_", "-"),
        "dir": "rtl" if locale.split("_")[0] in RTL_LOCALES else "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": list(ICON_LIST),
    }
    return JSONResponse(
        body,
        media_type=MANIFEST_TYPE,
        headers={"Cache-Control": "no-cache", "Vary": "Accept-Language"},
    )


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The icon browsers ask for at the root even where no page names one."""
    return FileResponse(
        ICONS / "favicon.ico",
        media_type="image/vnd.microsoft.icon",
        headers={"Cache-Control": ICON_MAX_AGE},
    )
