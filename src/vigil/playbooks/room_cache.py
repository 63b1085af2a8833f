"""One render of the live room fragment shared by everyone who would see the same thing.

Fifty people watching a busy room each need the fragment again after every change; rendering it
once per change instead of once per watcher is what keeps the room live under load
(docs/performance.md, "The incident room"). Two watchers see the same fragment when they see
the same incident at the same marker with the same rights in the owning organisation (work on
tasks, coordinate), the same language and the same reports of the incident (reports have their
own sharing, so the set the watcher may read is part of the key). The one thing personal to a
browser, its CSRF token, is rendered as a placeholder and filled in per answer. Entries live at
most FRESH_SECONDS, so a task passing its due time shows as late without any change.

Readability is checked on every request before the cache is consulted; the cache never decides
who may see a room.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from vigil.core.csrf import CSRF_COOKIE, csrf_token
from vigil.core.pages import locale_of
from vigil.core.policy import Principal
from vigil.incidents import service as incidents_service
from vigil.incidents.models import Incident
from vigil.orgs.models import Role

PLACEHOLDER = f"csrf-{secrets.token_hex(12)}"
MAX_ENTRIES = 256
FRESH_SECONDS = 30

Key = tuple[object, ...]


class FragmentCache:
    """A small thread-safe LRU of rendered fragments (bytes with the CSRF placeholder)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self._size = size
        self._items: OrderedDict[Key, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: Key, body: bytes) -> None:
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


CACHE = FragmentCache()


def fragment_key(
    request: Request, session: Session, principal: Principal, incident: Incident, marker: int
) -> Key:
    reports = incidents_service.incident_reports(
        session=session, principal=principal, incident_id=incident.id
    )
    return (
        # One process may serve several databases (the test suite does): ids repeat across them.
        request.app.state.settings.sqlalchemy_url,
        incident.id,
        marker,
        principal.has_role(incident.owner_org_id, Role.reporter),
        principal.has_role(incident.owner_org_id, Role.coordinator),
        locale_of(request),
        tuple(r.id for r in reports),
        int(time.time() // FRESH_SECONDS),
    )


def personal(request: Request, body: bytes) -> HTMLResponse:
    """The shared render with this browser's CSRF token; sets the token's cookie if new."""
    token = csrf_token(request)
    response = HTMLResponse(body.replace(PLACEHOLDER.encode(), token.encode()))
    response.headers["Cache-Control"] = "no-store"
    if getattr(request.state, "new_csrf", None) == token:
        settings = request.app.state.settings
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="lax", secure=settings.https, path="/"
        )
    return response
