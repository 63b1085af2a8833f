"""The live room pushed to open pages over server-sent events.

Polling every second cost each watcher a whole request per second (sign-in, readability,
readable reports, marker) and the delay of a change was up to the poll interval; fifty watchers
of a busy room saturated a server process (docs/performance.md, "The incident room"). Instead,
each process keeps one *watch* per open room: every POLL_SECONDS it reads the room's marker (one
indexed query however many pages are open) and, when the marker moves, renders the fragment once
per view (room_cache) and hands it to every stream of that view; a stream that is behind skips
to the newest fragment. Each stream re-checks its viewer every RECHECK_SECONDS (the session is
still open, the person still a member, the incident still readable, the reports they may read)
and ends with a `gone` event when that fails. Streams end after STREAM_SECONDS and the browser's
EventSource comes back with the last marker it saw (Last-Event-ID).

`GET .../room/live?since=` stays for clients without EventSource: 204 while nothing changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from html import escape
from typing import Annotated

import anyio
from fastapi import Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from vigil.core.auth import find_web_session, load_principal
from vigil.core.csrf import csrf_token
from vigil.core.db import get_sessionmaker
from vigil.core.deps import SESSION_COOKIE, SessionDep
from vigil.core.errors import DomainError, Unauthorized
from vigil.core.pages import SignedInDep, Viewer, load_viewer, page_router, tr
from vigil.playbooks import reading, room_cache, service
from vigil.playbooks.room_cache import Fragment, View
from vigil.playbooks.room_live import shared_fragment

router = page_router()
POLL_SECONDS = 0.1
RECHECK_SECONDS = 2.0
STREAM_SECONDS = 300.0
KEEPALIVE_SECONDS = 15.0
RETRY_MS = 1000
Marker = Annotated[int, Query(ge=-1, le=2_000_000_000)]


@dataclass(eq=False)
class Listener:
    """One open page: who it is for, what it has shown, and the newest fragment waiting for it."""

    request: Request
    viewer: Viewer
    view: View
    cookie: str
    shown: int
    pending: Fragment | None = None
    recheck_now: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, fragment: Fragment, *, refresh: bool) -> None:
        if fragment.marker > self.shown or refresh:
            self.pending = fragment
            self.wake.set()


class Watch:
    """The one poller of a room's marker in this process, alive while a page has it open."""

    def __init__(self, database: str, incident_id: int) -> None:
        self.database, self.incident_id = database, incident_id
        self.listeners: set[Listener] = set()
        self.joined = False
        self.task: asyncio.Task[None] | None = None

    def _marker(self) -> int:
        with get_sessionmaker(self.database, readonly=True)() as session:
            return reading.room_marker(session, self.incident_id)

    async def run(self) -> None:
        last: tuple[int, int] | None = None
        try:
            while self.listeners:
                marker = await anyio.to_thread.run_sync(self._marker)
                state = (marker, room_cache.freshness())
                if state != last or self.joined:
                    refresh = last is not None and state[1] != last[1]
                    last, self.joined = state, False
                    await self._push(marker, refresh=refresh)
                await asyncio.sleep(POLL_SECONDS)
        finally:
            if _watches.get((self.database, self.incident_id)) is self:
                del _watches[(self.database, self.incident_id)]

    async def _push(self, marker: int, *, refresh: bool) -> None:
        views: dict[View, list[Listener]] = {}
        for listener in self.listeners:
            if listener.shown < marker or refresh:
                views.setdefault(listener.view, []).append(listener)
        for view, group in views.items():
            try:
                fragment = await anyio.to_thread.run_sync(_render, group[0], view, marker)
            except DomainError:  # the first of them lost the room: let each check for itself
                for listener in group:
                    listener.recheck_now = True
                    listener.wake.set()
                continue
            for listener in group:
                listener.offer(fragment, refresh=refresh)


_watches: dict[tuple[str, int], Watch] = {}


def _render(listener: Listener, view: View, marker: int) -> Fragment:
    """The shared fragment framed as a `room` event once, for every stream of the view."""
    with get_sessionmaker(view.database, readonly=True)() as session:
        service.readable_incident(
            session=session, principal=listener.viewer.principal, incident_id=view.incident_id
        )
        shown = shared_fragment(listener.request, session, listener.viewer, view, marker)
    return Fragment(shown.marker, _event("room", shown.body.decode(), shown.marker))


def _join(listener: Listener) -> Watch:
    key = (listener.view.database, listener.view.incident_id)
    watch = _watches.get(key)
    loop = asyncio.get_running_loop()
    # A watch of a stopped event loop (a test's server that ended) never runs again.
    if watch is None or watch.task is None or watch.task.done() or watch.task.get_loop() != loop:
        watch = _watches[key] = Watch(*key)
        watch.task = loop.create_task(watch.run())
    watch.listeners.add(listener)
    watch.joined = True
    return watch


def _admit(request: Request, cookie: str, incident_id: int, acting: int | None) -> Listener:
    """Signs the viewer in from their browser session and finds what they may see of the room,
    in one thread and one database session (a stream is long; its start should be cheap)."""
    settings = request.app.state.settings
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        web = find_web_session(session, cookie) if cookie else None
        principal = None
        if web is not None and not web.awaiting_totp:
            acting = acting or web.acting_org_id
            principal = load_principal(session, person_id=web.person_id, acting_org_id=acting)
        if principal is None:
            raise Unauthorized("Sign in to see this room.")
        incident = service.readable_incident(
            session=session, principal=principal, incident_id=incident_id
        )
        viewer = load_viewer(session, principal)
        request.state.principal, request.state.viewer = principal, viewer
        request.state.locale = viewer.locale
        view = room_cache.view_of(request, session, principal, incident)
        return Listener(request=request, viewer=viewer, view=view, cookie=cookie, shown=-1)


def _still_allowed(listener: Listener) -> bool:
    """The viewer signed in again and their view of the room recomputed (memberships, reports)."""
    try:
        again = _admit(
            listener.request,
            listener.cookie,
            listener.view.incident_id,
            listener.viewer.principal.acting_org_id,
        )
    except DomainError:
        return False
    listener.viewer, listener.view = again.viewer, again.view
    return True


def _event(name: str, data: str, event_id: int | None = None) -> bytes:
    # SSE ends a line at CR, LF or CRLF; every line of the HTML becomes one data line.
    text = data.replace("\r\n", "\n").replace("\r", "\n")
    lines = "".join(f"data: {line}\n" for line in text.split("\n"))
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\n{lines}\n".encode()


async def _stream(listener: Listener, token: str, gone_html: str) -> AsyncIterator[bytes]:
    yield f"retry: {RETRY_MS}\n\n".encode()
    watch = _join(listener)
    try:
        now = time.monotonic()
        ends, recheck, keepalive = (
            now + STREAM_SECONDS,
            now + RECHECK_SECONDS,
            now + KEEPALIVE_SECONDS,
        )
        while now < ends:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(listener.wake.wait(), min(recheck, keepalive, ends) - now)
            listener.wake.clear()
            now = time.monotonic()
            if listener.recheck_now or now >= recheck:
                listener.recheck_now = False
                if not await anyio.to_thread.run_sync(_still_allowed, listener):
                    yield _event("gone", gone_html)
                    return
                recheck = time.monotonic() + RECHECK_SECONDS
            fragment, listener.pending = listener.pending, None
            if fragment is not None:
                listener.shown = fragment.marker
                yield room_cache.personalise(fragment.body, token)
            elif now >= keepalive:
                yield b": keepalive\n\n"
            if fragment is not None or now >= keepalive:
                keepalive = now + KEEPALIVE_SECONDS
    finally:
        watch.listeners.discard(listener)


@router.get("/incidents/{incident_id:int}/room/stream")
async def room_stream(
    request: Request,
    incident_id: int,
    since: Marker = -1,
    last_event_id: Annotated[str | None, Header()] = None,
) -> Response:
    """The live part of the room as server-sent events: a `room` event with the fragment after
    every change (its id is the marker), `gone` when the viewer may no longer see the room."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    listener = await anyio.to_thread.run_sync(_admit, request, cookie, incident_id, None)
    listener.shown = int(last_event_id) if last_event_id and last_event_id.isdigit() else since
    gone = tr(request, "This room is no longer live for you. Reload the page.")
    gone_html = f'<p id="room-gone" class="flash flash-warning" role="alert">{escape(gone)}</p>'
    return StreamingResponse(
        _stream(listener, csrf_token(request), gone_html),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/incidents/{incident_id:int}/room/live")
def room_live(
    request: Request, incident_id: int, session: SessionDep, viewer: SignedInDep, since: Marker = -1
) -> Response:
    """The live part of the room for a client without EventSource; 204 while nothing changed
    since the marker it holds."""
    incident = service.readable_incident(
        session=session, principal=viewer.principal, incident_id=incident_id
    )
    view = room_cache.view_of(request, session, viewer.principal, incident)
    marker = reading.room_marker(session, incident_id)
    if since == marker:
        return Response(status_code=204)
    fragment = shared_fragment(request, session, viewer, view, marker)
    return room_cache.personal(request, fragment.body)
