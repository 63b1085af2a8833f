"""Annotated dependencies for routes: settings, the transaction, the principal, the client."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.auth import SESSION_COOKIE
from vigil.core.config import Settings
from vigil.core.csrf import SAFE_METHODS, check_csrf_header
from vigil.core.db import commit, get_sessionmaker, transaction, utcnow
from vigil.core.errors import DomainError, Forbidden, Invalid, Unauthorized
from vigil.core.identity import identities_of
from vigil.core.policy import ANONYMOUS, Principal

TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=5)
ORG_HEADER = "X-Vigil-Org"
log = logging.getLogger("vigil.audit")


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
        wrote_audit = session.info.get("audited") or any(
            isinstance(o, audit.AuditEntry) for o in session.new
        )
        commit(session)
        if wrote_audit:
            seal_audit_after_commit(settings)
    except DomainError as exc:
        if exc.keep_changes:
            commit(session)
            seal_audit_after_commit(settings)
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def seal_audit(settings: Settings, *, recent_only: bool = False) -> None:
    """Chain the committed, unsealed audit entries now (one transaction); see audit.seal.

    A pass that fails (e.g. on a row someone wrote that cannot even be read) is logged, never
    raised: the request's change is committed already and the worker has other work; the next
    pass tries again and `vigil audit verify` names the entry.
    """
    try:
        with transaction(settings.sqlalchemy_url) as session:
            audit.seal(
                session,
                key=settings.audit_key,
                data_dir=settings.data_dir,
                recent_only=recent_only,
            )
    except Exception:
        log.exception("audit sealing pass failed")


@dataclass
class _SealState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: bool = False
    wanted: bool = False


_seal_states: dict[tuple[str, str], _SealState] = {}
_seal_states_lock = threading.Lock()


def seal_audit_after_commit(settings: Settings) -> None:
    """Seal after a request committed audit entries, sharing one sealing pass among requests.

    When no pass is running, this request seals, as before. When one is, the request only asks
    for one more pass and returns: the running pass loops until nobody asks any more, so every
    entry committed before a request ended is sealed by a pass that starts after it. Under load
    one pass seals the entries of many requests in one transaction (DECISIONS 13 allows batches)
    instead of each request opening its own and queueing on the sealing lock.
    """
    key = (settings.sqlalchemy_url, str(settings.data_dir))
    with _seal_states_lock:
        state = _seal_states.setdefault(key, _SealState())
    with state.lock:
        state.wanted = True
        if state.running:
            return
        state.running = True
    try:
        while True:
            with state.lock:
                if not state.wanted:
                    state.running = False
                    return
                state.wanted = False
            seal_audit(settings, recent_only=True)
    except BaseException:
        with state.lock:
            state.running = False
        raise


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
        raise Forbidden(f"You are not a member of organisation {wanted}.")
    return principal


def get_optional_principal(request: Request, session: SessionDep) -> Principal:
    """The signed-in person (API token or browser session), or the anonymous public."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal = ANONYMOUS
    identities = identities_of(request)
    bearer = _bearer(request)
    if bearer is not None:
        token = identities.api_credential(session, bearer)
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
        principal = found
        request.state.auth_method = "token"
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
