"""CSRF protection: a signed double-submit token, checked on every state-changing request.

Forms carry the token in a hidden `csrf_token` field, htmx and fetch send it as X-CSRF-Token;
both must match the `vigil_csrf` cookie, whose value is signed so it cannot be planted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from vigil.core.errors import Forbidden

CSRF_COOKIE = "vigil_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:32]


def new_csrf_token(secret: str) -> str:
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_sign(secret, nonce)}"


def is_valid_token(secret: str, token: str) -> bool:
    nonce, _, signature = token.partition(".")
    return bool(nonce) and hmac.compare_digest(signature, _sign(secret, nonce))


def csrf_token(request: Request) -> str:
    """The token for this browser, creating one (and its cookie, set by middleware) if needed."""
    existing = request.cookies.get(CSRF_COOKIE, "")
    secret = request.app.state.settings.secret_key
    if existing and is_valid_token(secret, existing):
        return existing
    token: str | None = getattr(request.state, "new_csrf", None)
    if token is None:
        token = new_csrf_token(secret)
        request.state.new_csrf = token
    return token


def _matches(request: Request, submitted: str) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    secret = request.app.state.settings.secret_key
    return (
        bool(cookie)
        and bool(submitted)
        and hmac.compare_digest(cookie, submitted)
        and is_valid_token(secret, cookie)
    )


def check_csrf_header(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    if not _matches(request, request.headers.get(CSRF_HEADER, "")):
        raise Forbidden("Missing or wrong CSRF token: send the X-CSRF-Token header.")


def check_csrf_form(request: Request, submitted: str | None) -> None:
    header = request.headers.get(CSRF_HEADER, "")
    if not (_matches(request, submitted or "") or _matches(request, header)):
        raise Forbidden("This form has expired or was not sent from Vigil. Reload and try again.")
