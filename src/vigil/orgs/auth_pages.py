"""Pages of getting in and out: sign-in with its second-factor step, signing out, accepting an
invitation and resetting a forgotten password. Everything here works without being signed in.
An invitation or reset link that expired, was used or is broken gets a page saying so."""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.deps import SESSION_COOKIE, ClientIP, SessionDep, SettingsDep
from vigil.core.errors import DomainError, LoginFailed, TooManyRequests
from vigil.core.pages import (
    FormStr,
    ViewerDep,
    clear_session_cookie,
    page_router,
    parse_form,
    redirect,
    render,
    safe_next,
    set_session_cookie,
    tr,
    undo,
)
from vigil.core.signed_links import LinkRefused
from vigil.orgs import accounts, links, passwords, second_factor
from vigil.orgs.principals import find_web_session
from vigil.orgs.schemas import AcceptInvitation, PasswordResetComplete, PasswordResetRequest

router = page_router()

# `next`: where to go after signing in or switching (a local path, checked by safe_next).
NextForm = Annotated[str, Form(alias="next")]
NextQuery = Annotated[str, Query(alias="next")]


def _throttled(request: Request, exc: TooManyRequests) -> Response:
    return render(
        request,
        "orgs/throttled.html",
        {"minutes": max(1, math.ceil(exc.retry_after / 60))},
        status_code=429,
        headers={"Retry-After": str(exc.retry_after)},
    )


# --- signing in and out -------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, viewer: ViewerDep, next_url: NextQuery = "/") -> Response:
    """The sign-in form."""
    if viewer.signed_in:
        return redirect(safe_next(next_url))
    return render(request, "orgs/login.html", {"next": safe_next(next_url), "email": ""})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIP,
    email: FormStr = "",
    password: FormStr = "",
    next_url: NextForm = "/",
) -> Response:
    """Check the password; with a second factor on, continue at /login/totp.

    A session this browser already had ends: its cookie is about to be replaced."""
    try:
        person = accounts.authenticate(
            session=session, settings=settings, email=email, password=password, ip=ip
        )
    except TooManyRequests as exc:
        return _throttled(request, exc)
    except accounts.PasswordsOff as exc:
        context = {"next": safe_next(next_url), "email": email, "sso_error": exc}
        context["sso_slug"] = exc.org_slug
        return render(request, "orgs/login.html", context, status_code=400)
    except LoginFailed:
        # Returning normally commits the recorded attempt and its audit entry.
        context = {"next": safe_next(next_url), "email": email, "failed": True}
        return render(request, "orgs/login.html", context, status_code=400)
    token = accounts.begin_login(
        session=session,
        settings=settings,
        person=person,
        replacing=request.cookies.get(SESSION_COOKIE, ""),
    )
    target = safe_next(next_url)
    if person.totp_enabled:
        target = f"/login/totp?next={quote(target, safe='/')}"
    response = redirect(target)
    set_session_cookie(response, request, token)
    return response


@router.get("/login/totp")
def totp_page(request: Request, session: SessionDep, next_url: NextQuery = "/") -> Response:
    """Second step of signing in: the code from the authenticator app."""
    web = find_web_session(session, request.cookies.get(SESSION_COOKIE, ""))
    if web is None or not web.awaiting_totp:
        return redirect("/login")
    return render(request, "orgs/login_totp.html", {"next": safe_next(next_url)})


@router.post("/login/totp")
def totp_login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIP,
    code: FormStr = "",
    next_url: NextForm = "/",
) -> Response:
    """Check the six-digit code and finish signing in."""
    web = find_web_session(session, request.cookies.get(SESSION_COOKIE, ""))
    if web is None or not web.awaiting_totp:
        return redirect("/login", request, tr(request, "Sign in again."), "error")
    try:
        second_factor.complete_totp(
            session=session, settings=settings, web=web, code=code.replace(" ", ""), ip=ip
        )
    except TooManyRequests as exc:
        return _throttled(request, exc)
    except LoginFailed:
        context = {"next": safe_next(next_url), "failed": True}
        return render(request, "orgs/login_totp.html", context, status_code=400)
    return redirect(safe_next(next_url))


@router.post("/logout")
def logout(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """End this browser's session, a half-finished sign-in included, and forget its cookie."""
    accounts.end_web_session(session=session, token=request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/login", request, tr(request, "You are signed out."))
    clear_session_cookie(response, request)
    return response


# --- invitations and password reset -------------------------------------------------------


def _refused(request: Request, template: str, refused: LinkRefused) -> Response:
    context = {"refusal": refused, "reason": refused.reason.value}
    return render(request, template, context, status_code=refused.status)


def _invitation_page(
    request: Request,
    session: Session,
    settings: Settings,
    token: str,
    error: DomainError | None = None,
) -> Response:
    try:
        invitation = links.find_invitation(session, token, secret_key=settings.secret_key)
    except LinkRefused as refused:
        return _refused(request, "orgs/invitation_refused.html", refused)
    existing = accounts.person_by_email(session, invitation.email)
    context = {"invitation": invitation, "existing": existing, "error": error, "token": token}
    status = error.status if error else 200
    return render(request, "orgs/invitation.html", context, status_code=status)


@router.get("/invite/{token}")
def invitation_page(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, viewer: ViewerDep
) -> Response:
    """Accept an invitation: choose your name and password, or confirm your existing one."""
    return _invitation_page(request, session, settings, token)


@router.post("/invite/{token}")
def accept_invitation(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    name: FormStr = "",
    password: FormStr = "",
) -> Response:
    """Join the organisation of the invitation."""
    try:
        data = parse_form(AcceptInvitation, name=name, password=password)
        accounts.accept_invitation(
            session=session, settings=settings, token=token, name=data.name, password=data.password
        )
    except DomainError as exc:
        undo(session, exc)
        return _invitation_page(request, session, settings, token, exc)
    message = tr(request, "Welcome to Vigil. Sign in with your e-mail address and password.")
    return redirect("/login", request, message)


@router.get("/password-reset")
def password_reset_page(request: Request, viewer: ViewerDep) -> Response:
    """Ask for a link to choose a new password."""
    return render(request, "orgs/password_reset_request.html", {"email": ""})


@router.post("/password-reset")
def request_password_reset(
    request: Request, session: SessionDep, settings: SettingsDep, email: FormStr = ""
) -> Response:
    """Mail a reset link; the answer is the same whether or not the account exists."""
    try:
        data = parse_form(PasswordResetRequest, email=email.strip())
    except DomainError as exc:
        context = {"email": email, "error": exc}
        return render(request, "orgs/password_reset_request.html", context, status_code=422)
    passwords.request_password_reset(session=session, settings=settings, email=data.email)
    return render(request, "orgs/password_reset_sent.html")


def _new_password_page(
    request: Request,
    session: Session,
    settings: Settings,
    token: str,
    error: DomainError | None = None,
) -> Response:
    try:
        links.find_password_reset(session, token, secret_key=settings.secret_key)
    except LinkRefused as refused:
        return _refused(request, "orgs/password_reset_refused.html", refused)
    status = error.status if error else 200
    context = {"token": token, "error": error}
    return render(request, "orgs/password_reset.html", context, status_code=status)


@router.get("/password-reset/{token}")
def new_password_page(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, viewer: ViewerDep
) -> Response:
    """Choose a new password."""
    return _new_password_page(request, session, settings, token)


@router.post("/password-reset/{token}")
def reset_password(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    password: FormStr = "",
) -> Response:
    """Set the new password; every open session of the account ends."""
    try:
        data = parse_form(PasswordResetComplete, password=password)
        passwords.complete_password_reset(
            session=session, settings=settings, token=token, password=data.password
        )
    except DomainError as exc:
        undo(session, exc)
        return _new_password_page(request, session, settings, token, exc)
    message = tr(request, "Your password is changed. Sign in with the new one.")
    return redirect("/login", request, message)
