"""Live channel: server-sent events that make a banner appear on every open Vigil page.

Alerts are sent by whichever process issues them, so each web process keeps one *beacon* per
database: a task that reads the newest `sent_at` (one cheap indexed query every quarter second,
however many pages are open) and wakes every open stream when it moves; each stream then asks
for the alerts its viewer may read (core.policy) that were sent since it last looked, and looks
again every RECHECK_SECONDS anyway. A stream ends after a while and the browser's EventSource
reconnects, so server restarts never wait long on open streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from sqlalchemy import func, select

from vigil.alerts.languages import shown_in
from vigil.alerts.models import Alert, AlertState
from vigil.core.db import get_sessionmaker, utcnow
from vigil.core.policy import Principal, scope
from vigil.core.sse import event, serves_this_loop

POLL_SECONDS = 0.25
STREAM_SECONDS = 25.0
KEEPALIVE_SECONDS = 10.0
RECENT = dt.timedelta(hours=24)
LOOKBACK = dt.timedelta(minutes=2)
RECHECK_SECONDS = 2.0


def latest_sent(url: str) -> dt.datetime | None:
    """The newest `sent_at` of any alert."""
    with get_sessionmaker(url, readonly=True)() as session:
        return session.scalar(select(func.max(Alert.sent_at)))


class Beacon:
    """The one reader of the newest send time per database and event loop in this process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.streams = 0
        self.moved = asyncio.Event()  # replaced after each move, so each wait sees one move
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        mark: dt.datetime | None = None
        try:
            while self.streams:
                newest = await anyio.to_thread.run_sync(latest_sent, self.url)
                if newest != mark:
                    mark = newest
                    self.moved.set()
                    self.moved = asyncio.Event()
                await asyncio.sleep(POLL_SECONDS)
        finally:
            if _beacons.get(self.url) is self:
                del _beacons[self.url]


_beacons: dict[str, Beacon] = {}


def _beacon(url: str) -> Beacon:
    beacon = _beacons.get(url)
    if beacon is None or not serves_this_loop(beacon.task):
        beacon = _beacons[url] = Beacon(url)
        beacon.task = asyncio.get_running_loop().create_task(beacon.run())
    return beacon


def event_of(alert: Alert, locale: str) -> dict[str, Any]:
    """The banner's alert in the viewer's language: its block in that language, else the
    first (alerts.languages); `language` is the CAP language of the words."""
    shown = shown_in(alert, locale)
    return {
        "id": alert.id,
        "msg_type": alert.msg_type,
        "status": alert.cap_status,  # the banner marks Test and Exercise alerts
        "severity": shown.severity,
        "urgency": shown.urgency,
        "language": shown.language,
        "event": shown.event,
        "headline": shown.headline or shown.event,
        "instruction": shown.instruction,
        "area": shown.area_desc,
        "sent": alert.sent_at.isoformat() if alert.sent_at else None,
        "url": f"/alerts/{alert.id}",
    }


def visible_since(
    url: str, principal: Principal, since: dt.datetime, *, current_only: bool, locale: str = "en"
) -> list[dict[str, Any]]:
    """Alerts the viewer may read, sent after `since` (and, for a new page, still current)."""
    stmt = scope(select(Alert), Alert, principal).where(
        Alert.sent_at.is_not(None), Alert.sent_at > since
    )
    if current_only:
        now = utcnow()
        stmt = stmt.where(
            Alert.state == AlertState.sent.value,
            (Alert.expires.is_(None)) | (Alert.expires > now),
        )
    with get_sessionmaker(url, readonly=True)() as session:
        newest = session.scalars(stmt.order_by(Alert.sent_at.desc(), Alert.id.desc()).limit(20))
        return [event_of(a, locale) for a in reversed(newest.all())]


def _sse(data: dict[str, Any]) -> str:
    return event("alert", json.dumps(data, ensure_ascii=False), data["id"]).decode()


async def stream(
    url: str,
    principal: Principal,
    *,
    locale: str,
    is_disconnected: Any,
    lifetime: float = STREAM_SECONDS,
) -> AsyncIterator[str]:
    """The event stream of one open page."""
    yield "retry: 1000\n\n"
    started = utcnow()
    current = await anyio.to_thread.run_sync(
        lambda: visible_since(url, principal, started - RECENT, current_only=True, locale=locale)
    )
    for item in current:
        yield _sse(item)
    seen = {item["id"] for item in current}
    if lifetime <= 0:
        return
    beacon = _beacon(url)
    beacon.streams += 1
    try:
        now = time.monotonic()
        ends, keepalive = now + lifetime, now + KEEPALIVE_SECONDS
        while now < ends:
            moved = beacon.moved
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), min(RECHECK_SECONDS, ends - now))
            if await is_disconnected():
                return
            # sent_at is stamped before a big fan-out commits, so a slow send can land after a
            # quick later one: look back a little and skip what was already shown.
            fresh = await anyio.to_thread.run_sync(
                lambda: visible_since(
                    url, principal, started - LOOKBACK, current_only=False, locale=locale
                )
            )
            for item in fresh:
                if item["id"] not in seen:
                    seen.add(item["id"])
                    yield _sse(item)
            now = time.monotonic()
            if now > keepalive:
                keepalive = now + KEEPALIVE_SECONDS
                yield ": keepalive\n\n"
    finally:
        beacon.streams -= 1
