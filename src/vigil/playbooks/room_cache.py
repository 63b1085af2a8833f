"""One render of the live room fragment shared by everyone who would see the same thing.

Fifty people watching a busy room each need the fragment again after every change; rendering it
once per change instead of once per watcher is what keeps the room live under load
(docs/performance.md, "The incident room"). Two watchers see the same fragment when they have
the same *view* of the incident (the same rights in the owning organisation: work on tasks,
coordinate; the same language; the same readable reports and alerts, as those have their own
sharing) and it is rendered at the same state of the room (reading.room_state). The one
thing personal to a browser, its CSRF token, is rendered as a placeholder and filled in per
answer. Entries live at most FRESH_SECONDS, so a task passing its due time shows as late
without any change.

Readability is checked before the cache is consulted; the cache never decides who may see a room.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, NamedTuple

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from vigil.alerts import incident_alerts
from vigil.core.csrf import csrf_token, set_visitor_cookie
from vigil.core.localisation import locale_of, zone_of
from vigil.core.policy import Principal, Role
from vigil.incidents import service as incidents_service
from vigil.playbooks.reading import RoomState

if TYPE_CHECKING:
    from vigil.incidents.models import Incident

PLACEHOLDER = f"csrf-{secrets.token_hex(12)}"
MAX_ENTRIES = 256
FRESH_SECONDS = 30

Key = tuple[object, ...]


class View(NamedTuple):
    """What decides the fragment besides the marker (the same view, the same render)."""

    database: str  # one process may serve several databases (the tests do): ids repeat
    incident_id: int
    can_work: bool
    can_coordinate: bool
    locale: str
    zone: str  # the reader's zone: the times shown are in it
    reports: tuple[int, ...]
    alerts: tuple[int, ...]


class Fragment(NamedTuple):
    """A render: the marker it shows (read before its content) and its HTML with PLACEHOLDER."""

    marker: int
    body: bytes


class FragmentCache:
    """A small thread-safe LRU of rendered fragments."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self._size = size
        self._items: OrderedDict[Key, Fragment] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Fragment | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Key, fragment: Fragment) -> None:
        with self._lock:
            self._items[key] = fragment
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


CACHE = FragmentCache()


def freshness() -> int:
    """Changes every FRESH_SECONDS: part of every key, so lateness shows without a change."""
    return int(time.time() // FRESH_SECONDS)


def view_of(request: Request, session: Session, principal: Principal, incident: Incident) -> View:
    reports = incidents_service.incident_reports(
        session=session, principal=principal, incident_id=incident.id
    )
    return View(
        database=request.app.state.settings.sqlalchemy_url,
        incident_id=incident.id,
        can_work=principal.has_role(incident.owner_org_id, Role.reporter),
        can_coordinate=principal.has_role(incident.owner_org_id, Role.coordinator),
        locale=locale_of(request),
        zone=zone_of(request),
        reports=tuple(r.id for r in reports),
        alerts=incident_alerts.readable_alert_ids(
            session=session, principal=principal, incident_id=incident.id
        ),
    )


def key_of(view: View, state: RoomState) -> Key:
    return (*view, *state, freshness())


def personalise(body: bytes, token: str) -> bytes:
    return body.replace(PLACEHOLDER.encode(), token.encode())


def personal(request: Request, body: bytes) -> HTMLResponse:
    """The shared render with this browser's CSRF token."""
    response = HTMLResponse(personalise(body, csrf_token(request)))
    response.headers["Cache-Control"] = "no-store"
    set_visitor_cookie(response, request)
    return response
