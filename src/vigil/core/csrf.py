"""CSRF protection: a token bound to the browser's session, checked on every state-changing request.

Forms carry the token in a hidden `csrf_token` field, htmx and fetch send it as X-CSRF-Token.
The token is an HMAC, under the secret key, of what identifies this browser to Vigil: its
session token once signed in, before that a random visitor id kept in its own cookie (so the
public report form and the sign-in form are protected too). A token from another browser is
signed for another session and refused, wherever it was planted; signing in changes the
binding, so a token from before sign-in no longer works after it (and signing in drops the
visitor id, so signing out does not bring the old one back).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from fastapi import Request, Response

from vigil.core.auth import SESSION_COOKIE
from vigil.core.errors import Forbidden

VISITOR_COOKIE = "vigil_visitor"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_VISITOR_CHARS = 64
NEW_VISITOR = "new_visitor_id"  # request.state attribute: a visitor id minted for this answer


def _binding(request: Request, *, mint: bool) -> str | None:
    """What the token is bound to; with `mint`, a visitor without one gets a new visitor id."""
    session = request.cookies.get(SESSION_COOKIE, "")
    if session:
        return f"session:{session}"
    visitor = request.cookies.get(VISITOR_COOKIE, "")[:MAX_VISITOR_CHARS]
    visitor = visitor or getattr(request.state, NEW_VISITOR, "")
    if not visitor and mint:
        visitor = secrets.token_urlsafe(24)
        setattr(request.state, NEW_VISITOR, visitor)
    return f"visitor:{visitor}" if visitor else None


def _sign(secret: str, binding: str) -> str:
    digest = hmac.new(secret.encode(), f"csrf\x00{binding}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_token(request: Request) -> str:
    """The token of this browser (the same on every page of one session); a first-time
    visitor gets a visitor id here, whose cookie `set_visitor_cookie` sets on the answer."""
    binding = _binding(request, mint=True)
    assert binding is not None  # noqa: S101 - minted above when missing
    return _sign(request.app.state.settings.secret_key, binding)


def set_visitor_cookie(response: Response, request: Request) -> None:
    """Set the visitor id minted while answering this request, if one was."""
    visitor = getattr(request.state, NEW_VISITOR, None)
    if visitor:
        response.set_cookie(
            VISITOR_COOKIE,
            visitor,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.https,
            path="/",
        )


def forget_visitor(response: Response, request: Request) -> None:
    """At sign-in: the visitor id, and every token bound to it, end here."""
    response.delete_cookie(
        VISITOR_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.https,
    )


def _matches(request: Request, submitted: str) -> bool:
    binding = _binding(request, mint=False)
    if binding is None or not submitted:
        return False
    expected = _sign(request.app.state.settings.secret_key, binding)
    return hmac.compare_digest(expected.encode(), submitted.encode())


def check_csrf_header(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    if not _matches(request, request.headers.get(CSRF_HEADER, "")):
        raise Forbidden("Missing or wrong CSRF token: send the X-CSRF-Token header.")


def check_csrf_form(request: Request, submitted: str | None) -> None:
    header = request.headers.get(CSRF_HEADER, "")
    if not (_matches(request, submitted or "") or _matches(request, header)):
        raise Forbidden("This form has expired or was not sent from Vigil. Reload and try again.")
