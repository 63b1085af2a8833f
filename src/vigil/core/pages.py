"""Server-rendered pages: templates with gettext, static assets, CSRF, flash messages, HTML errors.

What every domain's `pages.py` shares: `render()` and `redirect()`, the signed-in `Viewer` of
the layout (name, organisations, locale), the CSRF check of every form, and the HTML error pages.
The languages themselves (catalogues, the viewer's locale, moments in it) are core.localisation.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from vigil import __version__
from vigil.core.bidi import BIDI_FILTERS
from vigil.core.csrf import (
    CSRF_FIELD,
    SAFE_METHODS,
    check_csrf_form,
    csrf_token,
    forget_visitor,
    set_visitor_cookie,
)
from vigil.core.deps import SESSION_COOKIE, OptionalPrincipalDep, SessionDep
from vigil.core.errors import DomainError, Invalid, Unauthorized
from vigil.core.identity import ViewerOrg, identities_of, shown_name
from vigil.core.localisation import (
    DEFAULT_LOCALE,
    RTL_LOCALES,
    TEMPLATE_FILTERS,
    UTC_ZONE,
    Preferences,
    gettext_for,
    languages_offered,
    locale_of,
    remember_preferences,
    template_gettext,
    template_pgettext,
    zone_of,
)
from vigil.core.policy import Principal

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
FLASH_COOKIE = "vigil_flash"
FLASH_SECONDS = 60
# htmx 2 swaps 4xx answers too: our fragments carry their own error message.
HTMX_CONFIG = json.dumps(
    {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
        "historyCacheSize": 0,
        "selfRequestsOnly": True,
        "responseHandling": [
            {"code": "204", "swap": False},
            {"code": "[234]..", "swap": True},
            {"code": "...", "swap": False, "error": True},
        ],
    },
    separators=(",", ":"),
)

templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=shown_name,
    )
)
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD
templates.env.globals["HTMX_CONFIG"] = HTMX_CONFIG
templates.env.globals["ASSET_VERSION"] = __version__


def tr(request: Request, message: str, **variables: Any) -> str:
    """Translate a message written in Python (flash messages) into the viewer's language."""
    text: str = gettext_for(locale_of(request))(message)
    return text % variables if variables else text


def _flash_sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:16]


def flash(response: Response, request: Request, message: str, kind: str = "info") -> None:
    """Show `message` on the next page this browser renders."""
    settings = request.app.state.settings
    payload = base64.urlsafe_b64encode(json.dumps([kind, message]).encode()).decode()
    signed = f"{payload}.{_flash_sign(settings.secret_key, payload)}"
    response.set_cookie(
        FLASH_COOKIE,
        signed,
        httponly=True,
        samesite="lax",
        secure=settings.https,
        max_age=FLASH_SECONDS,
    )


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


@dataclass(frozen=True)
class Viewer:
    """Who the page is rendered for: the principal plus what the layout shows of them."""

    principal: Principal
    email: str = ""
    locale: str = DEFAULT_LOCALE
    orgs: tuple[ViewerOrg, ...] = ()
    zone: str = UTC_ZONE

    @property
    def signed_in(self) -> bool:
        return not self.principal.is_anonymous

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def acting(self) -> ViewerOrg | None:
        return next((o for o in self.orgs if o.id == self.principal.acting_org_id), None)


def load_viewer(request: Request, session: Session, principal: Principal) -> Viewer:
    if principal.person_id is None:
        return Viewer(principal=principal)
    profile = identities_of(request).viewer_profile(session, principal)
    # Every page of this request speaks and shows times as this person chose (localisation).
    remember_preferences(
        request,
        Preferences(
            locale=profile.locale,
            zone=profile.time_zone,
            org_locale=profile.org_locale,
            org_zone=profile.org_zone,
        ),
    )
    return Viewer(
        principal=principal,
        email=profile.email,
        locale=locale_of(request),
        orgs=profile.orgs,
        zone=zone_of(request),
    )


def page_viewer(request: Request, session: SessionDep, principal: OptionalPrincipalDep) -> Viewer:
    viewer = load_viewer(request, session, principal)
    request.state.viewer = viewer
    return viewer


def signed_in_viewer(viewer: Annotated[Viewer, Depends(page_viewer)]) -> Viewer:
    if not viewer.signed_in:
        raise Unauthorized("Sign in to see this page.")
    return viewer


# Pages for everyone (login, invitations) and pages for signed-in people (everything else).
ViewerDep = Annotated[Viewer, Depends(page_viewer)]
SignedInDep = Annotated[Viewer, Depends(signed_in_viewer)]


async def csrf_protect(request: Request) -> None:
    """Router dependency: every state-changing form must carry this browser's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    submitted = form.get(CSRF_FIELD)
    check_csrf_form(request, submitted if isinstance(submitted, str) else None)


FormStr = Annotated[str, Form()]


def page_router() -> APIRouter:
    """A router of HTML pages: CSRF-checked on every form post, left out of the API schema."""
    return APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a local path may be a redirect target (no `//host`, no scheme, no backslashes)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


Schema = TypeVar("Schema", bound=BaseModel)


def parse_form(schema: type[Schema], **values: Any) -> Schema:
    """Validate form values with the domain's schema; the first problem names its field."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        # A problem of the whole form (two fields that must go together) is the form's.
        raise Invalid.from_errors([{**first, "loc": first["loc"] or ("form",)}]) from exc


def undo(session: Session, exc: DomainError) -> None:
    """A route that shows an error itself must still drop what the failed action wrote."""
    if not exc.keep_changes:
        session.rollback()


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    locale = locale_of(request)
    gettext, ngettext = template_gettext(locale)
    principal: Principal | None = getattr(request.state, "principal", None)
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    flashed = _read_flash(request)
    token = csrf_token(request)
    ctx: dict[str, Any] = {
        "principal": principal,
        "viewer": viewer or Viewer(principal=principal or Principal()),
        "csrf_token": token,
        "flash": flashed,
        "locale": locale,
        # The reader's zone: the `datetime` filter shows every moment in it.
        "zone": zone_of(request),
        "languages_offered": languages_offered(),
        "lang": locale.replace("_", "-"),
        "dir": "rtl" if locale.split("_")[0] in RTL_LOCALES else "ltr",
        "nav": request.app.state.nav,
        "current_path": request.url.path,
        "gettext": gettext,
        "ngettext": ngettext,
        "pgettext": template_pgettext(locale),
        "_": gettext,
        # An error's message (and one field's reason) in the reader's language.
        "shown_error": functools.partial(_shown, gettext_for(locale), "shown", "detail"),
        "shown_reason": functools.partial(_shown, gettext_for(locale), "shown_reason", "reason"),
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(
        request, template, ctx, status_code=status_code, headers=headers
    )
    set_visitor_cookie(response, request)
    if flashed:
        response.delete_cookie(FLASH_COOKIE)
    if principal is not None and not principal.is_anonymous:
        response.headers["Cache-Control"] = "no-store"
    return response


def _shown(gettext: Callable[[str], str], method: str, plain: str, error: Any) -> str:
    """A template's error (a DomainError, or any object with a message) in the reader's
    language."""
    if hasattr(error, method):
        return str(getattr(error, method)(gettext))
    return str(getattr(error, plain, error))


def redirect(
    url: str, request: Request | None = None, message: str = "", kind: str = "info"
) -> Response:
    response = RedirectResponse(url, status_code=303)
    if message and request is not None:
        flash(response, request, message, kind)
    return response


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """Sign the browser in; its CSRF token changes with it (see core.csrf)."""
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )
    forget_visitor(response, request)


def clear_session_cookie(response: Response, request: Request) -> None:
    settings = request.app.state.settings
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.https
    )


def login_url(request: Request) -> str:
    """Where an unauthenticated visit is sent: the login page, coming back here afterwards."""
    here = request.url.path
    if request.url.query:
        here += "?" + request.url.query
    target = safe_next(here) if request.method in SAFE_METHODS else "/"
    return "/login" if target == "/" else f"/login?next={quote(target, safe='/')}"


def shown_error(request: Request, message: str | DomainError) -> str:
    """An error's message in the viewer's language. Messages are msgids (core.errors), their
    values filled in after translation; a plain "field: reason; ..." text (a validation
    error's) is translated reason by reason."""
    gettext = gettext_for(locale_of(request))
    if isinstance(message, DomainError):
        return message.shown(gettext)
    whole: str = gettext(message)
    if whole != message or ": " not in message:
        return whole
    problems = []
    for problem in message.split("; "):
        field, _, reason = problem.partition(": ")
        problems.append(f"{field}: {gettext(reason)}" if reason else gettext(problem))
    return "; ".join(problems)


def page_error(request: Request, status: int, title: str, detail: str | DomainError) -> Response:
    if status == 401:
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": login_url(request)})
        return RedirectResponse(login_url(request), status_code=303)
    # An htmx fragment request that fails shows the whole error page instead of a fragment.
    headers = {"HX-Retarget": "body", "HX-Reswap": "innerHTML"} if is_htmx(request) else None
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": gettext_for(locale_of(request))(title),
            "detail": shown_error(request, detail),
        },
        status_code=status,
        headers=headers,
    )


def install(
    app: FastAPI, node_modules: Path, template_globals: Mapping[str, Any] | None = None
) -> None:
    """At app start: error pages, core's filters, the domains' template globals (their
    `Domain.template_globals()`) and the static assets."""
    app.state.page_error_handler = page_error
    templates.env.filters.update({**TEMPLATE_FILTERS, **BIDI_FILTERS})
    templates.env.globals.update(template_globals or {})
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    # htmx; the offline maps (DECISIONS 16): Leaflet, clusters, drawing, TopoJSON, boundaries.
    for name, folder in (
        ("htmx", node_modules / "htmx.org" / "dist"),
        ("htmx-ext-sse", node_modules / "htmx-ext-sse" / "dist"),  # the live incident room
        ("leaflet", node_modules / "leaflet" / "dist"),
        ("leaflet.markercluster", node_modules / "leaflet.markercluster" / "dist"),
        ("leaflet-geoman", node_modules / "@geoman-io" / "leaflet-geoman-free" / "dist"),
        ("topojson-client", node_modules / "topojson-client" / "dist"),
        ("world-atlas", node_modules / "world-atlas"),
    ):
        app.mount(
            f"/vendor/{name}",
            StaticFiles(directory=str(folder), check_dir=False),
            name=f"vendor-{name}",
        )
