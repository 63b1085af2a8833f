"""Server-rendered pages: templates with gettext, static assets, flash messages, HTML errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from babel.support import NullTranslations, Translations
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from vigil.core.csrf import CSRF_FIELD, csrf_token
from vigil.core.policy import Principal

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
LOCALES = PACKAGE / "locale"
FLASH_COOKIE = "vigil_flash"
RTL_LOCALES = frozenset({"he", "ar", "fa", "ur"})

templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
)
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD


@lru_cache(maxsize=16)
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(LOCALES), [locale, "en"], domain="messages")


def gettext_for(locale: str) -> Any:
    return translations(locale).gettext


def _flash_sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:16]


def flash(response: Response, request: Request, message: str, kind: str = "info") -> None:
    """Show `message` on the next page this browser renders."""
    payload = base64.urlsafe_b64encode(json.dumps([kind, message]).encode()).decode()
    signed = f"{payload}.{_flash_sign(request.app.state.settings.secret_key, payload)}"
    response.set_cookie(FLASH_COOKIE, signed, httponly=True, samesite="lax", max_age=60)


def _read_flash(request: Request) -> tuple[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _, signature = raw.partition(".")
    secret = request.app.state.settings.secret_key
    if not payload or not hmac.compare_digest(signature, _flash_sign(secret, payload)):
        return None
    try:
        kind, message = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return None
    return str(kind), str(message)


def locale_of(request: Request) -> str:
    locale: str | None = getattr(request.state, "locale", None)
    return locale or "en"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    locale = locale_of(request)
    templates.env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    principal: Principal | None = getattr(request.state, "principal", None)
    flashed = _read_flash(request)
    ctx: dict[str, Any] = {
        "principal": principal,
        "csrf_token": csrf_token(request),
        "flash": flashed,
        "locale": locale,
        "dir": "rtl" if locale.split("_")[0] in RTL_LOCALES else "ltr",
        "nav": request.app.state.nav,
        "current_path": request.url.path,
        "me": getattr(request.state, "me", None),
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    if flashed:
        response.delete_cookie(FLASH_COOKIE)
    return response


def redirect(
    url: str, request: Request | None = None, message: str = "", kind: str = "info"
) -> Response:
    response = RedirectResponse(url, status_code=303)
    if message and request is not None:
        flash(response, request, message, kind)
    return response


def page_error(request: Request, status: int, title: str, detail: str) -> Response:
    if status == 401:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
    )


def install(app: FastAPI, node_modules: Path) -> None:
    app.state.page_error_handler = page_error
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    htmx = node_modules / "htmx.org" / "dist"
    app.mount("/vendor/htmx", StaticFiles(directory=str(htmx), check_dir=False), name="vendor-htmx")
