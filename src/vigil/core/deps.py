"""Annotated dependencies for routes: settings, the transaction, the principal, the client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from vigil.core import sealing
from vigil.core.auth import SESSION_COOKIE
from vigil.core.config import Settings
from vigil.core.csrf import SAFE_METHODS, check_csrf_header
from vigil.core.db import commit, get_sessionmaker, transaction, utcnow
from vigil.core.errors import DomainError, Forbidden, Invalid, Unauthorized
from vigil.core.identity import identities_of
from vigil.core.policy import ANONYMOUS, Principal

TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=5)
ORG_HEADER = "X-Vigil-Org"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(request: Request, settings: SettingsDep) -> Iterator[Session]:
    """The request's transaction: committed when the route returns, rolled back if it raises."""
    readonly = request.method in SAFE_METHODS
    session = get_sessionmaker(settings.sqlalchemy_url, readonly=readonly)()
    try:
        yield session
        wrote_audit = sealing.wrote_entries(session)
        commit(session)
        if wrote_audit:
            sealing.seal_audit_after_commit(settings)
    except DomainError as exc:
        if exc.keep_changes:
            commit(session)
            sealing.seal_audit_after_commit(settings)
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": the commit happens before the response is sent, so a client never sees
# success for a change that then fails to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


ClientIP = Annotated[str, Depends(client_ip)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _acting_org(request: Request) -> int | None:
    raw = request.headers.get(ORG_HEADER, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        raise Invalid(ORG_HEADER, "must be the numeric id of one of your organisations")
    return int(raw)


def _check_acting(request: Request, principal: Principal) -> Principal:
    """An organisation named in the header must be one of the person's own."""
    wanted = _acting_org(request)
    if wanted is not None and wanted not in principal.roles:
        raise Forbidden("You are not a member of organisation %(org)s.", org=wanted)
    return principal


def token_principal(request: Request, session: Session, secret: str) -> Principal:
    """The principal of an API token (sent as Bearer, or as the password of HTTP Basic by
    TAXII clients); 401 when the token is unknown, revoked or its account disabled."""
    identities = identities_of(request)
    token = identities.api_credential(session, secret)
    if token is None:
        raise Unauthorized("The API token is unknown or revoked.")
    if token.last_used_at is None or utcnow() - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        if request.method in SAFE_METHODS:  # in its own short write: reads stay read-only
            with transaction(request.app.state.settings.sqlalchemy_url) as own:
                identities.mark_token_used(own, token.id)
        else:  # the request already holds the write lock: a second writer would wait on it
            identities.mark_token_used(session, token.id)
    found = identities.load_principal(
        session, person_id=token.person_id, acting_org_id=_acting_org(request)
    )
    if found is None:
        raise Unauthorized("The account of this API token is disabled.")
    request.state.auth_method = "token"
    return found


def get_optional_principal(request: Request, session: SessionDep) -> Principal:
    """The signed-in person (API token or browser session), or the anonymous public."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal = ANONYMOUS
    identities = identities_of(request)
    bearer = _bearer(request)
    if bearer is not None:
        principal = token_principal(request, session, bearer)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        web = identities.web_credential(session, cookie)
        if web is not None:
            acting = _acting_org(request) or web.acting_org_id
            principal = (
                identities.load_principal(session, person_id=web.person_id, acting_org_id=acting)
                or ANONYMOUS
            )
            request.state.auth_method = "session"
            request.state.web_session_id = web.id
            if request.url.path.startswith("/api/"):
                check_csrf_header(request)
    if not principal.is_anonymous:
        _check_acting(request, principal)
    request.state.principal = principal
    return principal


OptionalPrincipalDep = Annotated[Principal, Depends(get_optional_principal)]


def get_principal(principal: OptionalPrincipalDep) -> Principal:
    if principal.is_anonymous:
        raise Unauthorized("Sign in or send an API token (Authorization: Bearer ...).")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
