"""Pages of your own account: profile and language, password, API tokens and the second factor
(setting up an authenticator app, turning it off)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import segno
from babel import Locale
from fastapi import Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from vigil.core.deps import ClientIP, SessionDep, SettingsDep
from vigil.core.errors import DomainError
from vigil.core.forms import FormDataDep
from vigil.core.localisation import preferences_of, remember_preferences
from vigil.core.pages import (
    FormStr,
    SignedInDep,
    Viewer,
    page_router,
    parse_form,
    redirect,
    render,
    shown_error,
    tr,
    undo,
)
from vigil.orgs import accounts, passwords, second_factor, tokens
from vigil.orgs.preferences import ZONE_NAMES
from vigil.orgs.schemas import TokenCreate

router = page_router()

MAX_ZONE_CHARS = 64  # the longest IANA name is about 30; more is kept only to show it back


def _own_name(code: str) -> str:
    if not code:
        return ""  # the template says "the browser's language", in the page's language
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


# Each language is offered in its own name and script, so whoever reads it can find theirs.
LANGUAGES = [(code, _own_name(code)) for code in accounts.SUPPORTED_LOCALES]


def _account_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    error: DomainError | None = None,
    section: str = "",
    form: dict[str, str] | None = None,
) -> Response:
    """The account page; an error is shown at the top and on the field of its `section`."""
    context: dict[str, Any] = {
        "me": accounts.me_read(session=session, principal=viewer.principal),
        "tokens": tokens.list_tokens(session=session, principal=viewer.principal),
        "languages": LANGUAGES,
        "zone_names": ZONE_NAMES,
        # What an empty zone means for this person: their organisation's.
        "organisation_zone": preferences_of(request).org_zone or "UTC",
        "error": error,
        "section": section,
        "form": form or {},
    }
    return render(request, "orgs/account.html", context, status_code=error.status if error else 200)


@router.get("/account")
def account_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """Your profile, password, API tokens and second factor."""
    return _account_page(request, session, viewer)


@router.post("/account/profile")
def update_profile(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    raw: FormDataDep,
    name: FormStr = "",
    locale: FormStr = "",
) -> Response:
    """Change your name, the language of your pages and the zone their times are in."""
    # A form without the field leaves the zone as it is; an empty one chooses the organisation's.
    typed = raw.get("time_zone")
    time_zone = typed[:MAX_ZONE_CHARS] if isinstance(typed, str) else None
    try:
        person = accounts.update_profile(
            session=session,
            principal=viewer.principal,
            name=name,
            locale=locale,
            time_zone=time_zone,
        )
    except DomainError as exc:
        undo(session, exc)
        form = {"name": name, "locale": locale, "time_zone": time_zone or ""}
        return _account_page(request, session, viewer, error=exc, section="profile", form=form)
    # The confirmation speaks the language just chosen.
    remember_preferences(request, replace(preferences_of(request), locale=person.locale))
    return redirect("/account", request, tr(request, "Your profile is saved."))


@router.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    ip: ClientIP,
    current_password: FormStr = "",
    new_password: FormStr = "",
) -> Response:
    """Change your password; your sessions in other browsers end, this one stays."""
    try:
        passwords.change_password(
            session=session,
            settings=settings,
            principal=viewer.principal,
            current_password=current_password,
            new_password=new_password,
            ip=ip,
            keep_web_session_id=getattr(request.state, "web_session_id", None),
        )
    except DomainError as exc:
        undo(session, exc)
        return _account_page(request, session, viewer, error=exc, section="password")
    message = tr(request, "Your password is changed. Your other sessions are signed out.")
    return redirect("/account", request, message)


# --- API tokens ---------------------------------------------------------------------------


@router.post("/account/tokens")
def create_token(
    request: Request, session: SessionDep, viewer: SignedInDep, name: FormStr = ""
) -> Response:
    """Create an API token and show its secret, this once."""
    try:
        data = parse_form(TokenCreate, name=name)
        row, secret = tokens.create_token(
            session=session, principal=viewer.principal, name=data.name
        )
    except DomainError as exc:
        undo(session, exc)
        return _account_page(request, session, viewer, error=exc, section="token")
    return render(request, "orgs/token_created.html", {"token": row, "secret": secret})


@router.post("/account/tokens/{token_id:int}/revoke")
def revoke_token(
    request: Request, token_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Revoke one of your API tokens."""
    token = tokens.revoke_token(session=session, principal=viewer.principal, token_id=token_id)
    return redirect(
        "/account", request, tr(request, "The token %(name)s is revoked.", name=token.name)
    )


# --- second factor ------------------------------------------------------------------------


@router.post("/account/totp/start")
def start_totp(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: SignedInDep
) -> Response:
    """Begin setting up a second factor (an authenticator app)."""
    me = accounts.me_read(session=session, principal=viewer.principal)
    if me.totp_enabled:
        return redirect("/account", request, tr(request, "Your second factor is already on."))
    second_factor.start_totp_enrolment(session=session, settings=settings, person_id=me.id)
    return redirect("/account/totp")


def _totp_setup_page(request: Request, uri: str, error: DomainError | None = None) -> Response:
    secret = parse_qs(urlsplit(uri).query).get("secret", [""])[0]
    qr = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", svgclass="qr", title="otpauth QR code"
    )
    context = {
        "qr_svg": Markup(qr),  # noqa: S704 - segno's own SVG of our own URI
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "orgs/totp_setup.html", context, status_code=status)


@router.get("/account/totp")
def totp_setup_page(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: SignedInDep
) -> Response:
    """The QR code to scan and the field for the first code."""
    uri = second_factor.pending_totp_uri(
        session=session, settings=settings, person_id=viewer.principal.person_id or 0
    )
    if uri is None:
        return redirect("/account")
    return _totp_setup_page(request, uri)


@router.post("/account/totp/confirm")
def confirm_totp(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    code: FormStr = "",
) -> Response:
    """Turn the second factor on once a code from the app matches."""
    person_id = viewer.principal.person_id or 0
    try:
        second_factor.confirm_totp(
            session=session, settings=settings, person_id=person_id, code=code.replace(" ", "")
        )
    except DomainError as exc:
        undo(session, exc)
        uri = second_factor.pending_totp_uri(
            session=session, settings=settings, person_id=person_id
        )
        if uri is None:
            return redirect("/account", request, shown_error(request, exc), "error")
        return _totp_setup_page(request, uri, exc)
    return redirect("/account", request, tr(request, "Your second factor is on."))


@router.post("/account/totp/disable")
def disable_totp(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    password: FormStr = "",
) -> Response:
    """Turn the second factor off (needs the current password)."""
    try:
        second_factor.disable_totp(
            session=session,
            settings=settings,
            person_id=viewer.principal.person_id or 0,
            password=password,
        )
    except DomainError as exc:
        undo(session, exc)
        return _account_page(request, session, viewer, error=exc, section="totp")
    return redirect("/account", request, tr(request, "Your second factor is off."))
