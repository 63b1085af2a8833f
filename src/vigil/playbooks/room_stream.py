"""The live room pushed to open pages over server-sent events.

Polling every second cost each watcher a whole request per second (sign-in, readability,
readable reports, marker) and the delay of a change was up to the poll interval; fifty watchers
of a busy room saturated a server process (docs/performance.md, "The incident room"). Instead,
each process keeps one *watch* per open room: every POLL_SECONDS it reads the room's state
(reading.room_state: one query however many pages are open) and, when it changes, renders
the fragment once per view (room_cache) and hands it to every stream of that view; a stream
that is behind skips to the newest fragment. Each stream re-checks its viewer every
RECHECK_SECONDS (the session is still open, the person still a member, the incident still
readable, the reports and alerts they may read) and ends with a `gone` event when that fails.
Streams end after STREAM_SECONDS and the browser's EventSource comes back with the last marker
it saw (Last-Event-ID).
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

from vigil.core import sse
from vigil.core.csrf import csrf_token
from vigil.core.db import get_sessionmaker
from vigil.core.deps import get_optional_principal
from vigil.core.errors import DomainError, Unauthorized
from vigil.core.pages import Viewer, load_viewer, page_router, tr
from vigil.playbooks import reading, room_cache, service
from vigil.playbooks.reading import RoomState
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
    shown: int
    pending: Fragment | None = None
    recheck_now: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, fragment: Fragment, *, refresh: bool) -> None:
        if fragment.marker > self.shown or refresh:
            self.pending = fragment
            self.wake.set()


class Watch:
    """The one poller of a room's state in this process, alive while a page has it open."""

    def __init__(self, database: str, incident_id: int) -> None:
        self.database, self.incident_id = database, incident_id
        self.listeners: set[Listener] = set()
        self.joined = False
        self.task: asyncio.Task[None] | None = None

    def _state(self) -> RoomState:
        with get_sessionmaker(self.database, readonly=True)() as session:
            return reading.room_state(session, self.incident_id)

    async def run(self) -> None:
        last: tuple[object, ...] | None = None
        try:
            while self.listeners:
                state = await anyio.to_thread.run_sync(self._state)
                seen = (*state, room_cache.freshness())
                if seen != last or self.joined:
                    # Beyond the marker (first), something else the room shows changed, or
                    # lateness is due: every page needs the new render, however far it is.
                    refresh = last is not None and seen[1:] != last[1:]
                    last, self.joined = seen, False
                    await self._push(state, refresh=refresh)
                await asyncio.sleep(POLL_SECONDS)
        finally:
            if _watches.get((self.database, self.incident_id)) is self:
                del _watches[(self.database, self.incident_id)]

    async def _push(self, state: RoomState, *, refresh: bool) -> None:
        marker = state.marker
        views: dict[View, list[Listener]] = {}
        for listener in self.listeners:
            if listener.shown < marker or refresh:
                views.setdefault(listener.view, []).append(listener)
        for view, group in views.items():
            try:
                fragment = await anyio.to_thread.run_sync(_render, group[0], view, state)
            except DomainError:  # the first of them lost the room: let each check for itself
                for listener in group:
                    listener.recheck_now = True
                    listener.wake.set()
                continue
            for listener in group:
                listener.offer(fragment, refresh=refresh)


_watches: dict[tuple[str, int], Watch] = {}


def _render(listener: Listener, view: View, state: RoomState) -> Fragment:
    """The shared fragment framed as a `room` event once, for every stream of the view."""
    with get_sessionmaker(view.database, readonly=True)() as session:
        service.readable_incident(
            session=session, principal=listener.viewer.principal, incident_id=view.incident_id
        )
        shown = shared_fragment(listener.request, session, listener.viewer, view, state)
    return Fragment(shown.marker, sse.event("room", shown.body.decode(), shown.marker))


def _join(listener: Listener) -> Watch:
    key = (listener.view.database, listener.view.incident_id)
    watch = _watches.get(key)
    if watch is None or not sse.serves_this_loop(watch.task):
        watch = _watches[key] = Watch(*key)
        watch.task = asyncio.get_running_loop().create_task(watch.run())
    watch.listeners.add(listener)
    watch.joined = True
    return watch


def _admit(request: Request, incident_id: int) -> Listener:
    """Signs the viewer in (browser session or API token, as every request) and finds what they
    may see of the room, in one thread and one database session: a stream's start stays cheap,
    and the same call re-checks an open stream."""
    settings = request.app.state.settings
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        request.state.principal = None  # sign in again, not from the request's first answer
        principal = get_optional_principal(request, session)
        if principal.is_anonymous:
            raise Unauthorized("Sign in to see this room.")
        incident = service.readable_incident(
            session=session, principal=principal, incident_id=incident_id
        )
        viewer = load_viewer(request, session, principal)
        request.state.viewer, request.state.locale = viewer, viewer.locale
        view = room_cache.view_of(request, session, principal, incident)
        return Listener(request=request, viewer=viewer, view=view, shown=-1)


def _still_allowed(listener: Listener) -> bool:
    """The viewer signed in again and their view of the room recomputed (memberships, reports)."""
    try:
        again = _admit(listener.request, listener.view.incident_id)
    except DomainError:
        return False
    listener.viewer, listener.view = again.viewer, again.view
    return True


def _once(listener: Listener) -> Fragment:
    """The room as it is, for a client that is not an EventSource."""
    with get_sessionmaker(listener.view.database, readonly=True)() as session:
        state = reading.room_state(session, listener.view.incident_id)
    return _render(listener, listener.view, state)


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
                    yield sse.event("gone", gone_html)
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
    every change (its id is the marker), `gone` when the viewer may no longer see the room.
    A client that does not ask for `text/event-stream` gets the room once and the stream ends."""
    listener = await anyio.to_thread.run_sync(_admit, request, incident_id)
    resumed = last_event_id and last_event_id.isdigit() and len(last_event_id) <= 10
    listener.shown = int(last_event_id) if resumed and last_event_id else since
    gone = tr(request, "This room is no longer live for you. Reload the page.")
    gone_html = f'<p id="room-gone" class="flash flash-warning" role="alert">{escape(gone)}</p>'
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    if "text/event-stream" not in request.headers.get("accept", ""):
        fragment = await anyio.to_thread.run_sync(_once, listener)
        body = room_cache.personalise(fragment.body, csrf_token(request))
        return Response(body, media_type="text/event-stream", headers=headers)
    return StreamingResponse(
        _stream(listener, csrf_token(request), gone_html),
        media_type="text/event-stream",
        headers=headers,
    )
