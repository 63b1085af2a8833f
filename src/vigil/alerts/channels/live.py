"""Live channel: server-sent events that make a banner appear on every open Vigil page.

Alerts are sent by whichever process issues them, so each web process watches the newest
`sent_at` in the database (one cheap indexed query per process every quarter second, however
many pages are open) and, when it moves, each open stream asks for the alerts its viewer may
read (core.policy) that were sent since it last looked. A stream ends after a while and the
browser's EventSource reconnects, so server restarts never wait long on open streams.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from sqlalchemy import func, select

from vigil.alerts.models import Alert, AlertState
from vigil.core.db import get_sessionmaker, utcnow
from vigil.core.policy import Principal, scope

POLL_SECONDS = 0.25
STREAM_SECONDS = 25.0
KEEPALIVE_SECONDS = 10.0
RECENT = dt.timedelta(hours=24)
LOOKBACK = dt.timedelta(minutes=2)
RECHECK_SECONDS = 2.0

_lock = threading.Lock()
_marks: dict[str, tuple[float, dt.datetime | None]] = {}


def latest_sent(url: str) -> dt.datetime | None:
    """The newest `sent_at` of any alert, read at most every POLL_SECONDS per process."""
    with _lock:
        checked, value = _marks.get(url, (0.0, None))
        if time.monotonic() - checked < POLL_SECONDS:
            return value
        with get_sessionmaker(url, readonly=True)() as session:
            value = session.scalar(select(func.max(Alert.sent_at)))
        _marks[url] = (time.monotonic(), value)
        return value


def event_of(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "msg_type": alert.msg_type,
        "severity": alert.severity,
        "urgency": alert.urgency,
        "event": alert.event,
        "headline": alert.headline or alert.event,
        "instruction": alert.instruction,
        "area": alert.area_desc,
        "sent": alert.sent_at.isoformat() if alert.sent_at else None,
        "url": f"/alerts/{alert.id}",
    }


def visible_since(
    url: str, principal: Principal, since: dt.datetime, *, current_only: bool
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
        return [event_of(a) for a in reversed(newest.all())]


def _sse(data: dict[str, Any]) -> str:
    return f"id: {data['id']}\nevent: alert\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def stream(
    url: str, principal: Principal, *, is_disconnected: Any, lifetime: float = STREAM_SECONDS
) -> AsyncIterator[str]:
    """The event stream of one open page."""
    yield "retry: 1000\n\n"
    started = utcnow()
    current = await anyio.to_thread.run_sync(
        lambda: visible_since(url, principal, started - RECENT, current_only=True)
    )
    for item in current:
        yield _sse(item)
    last_mark: dt.datetime | None = None
    seen = {item["id"] for item in current}
    ends = time.monotonic() + lifetime
    keepalive = time.monotonic() + KEEPALIVE_SECONDS
    recheck = time.monotonic() + RECHECK_SECONDS
    while time.monotonic() < ends:
        if await is_disconnected():
            return
        mark = await anyio.to_thread.run_sync(latest_sent, url)
        if mark != last_mark or time.monotonic() > recheck:
            # sent_at is stamped before a big fan-out commits, so a slow send can land after a
            # quick later one: look back a little and skip what was already shown.
            fresh = await anyio.to_thread.run_sync(
                lambda: visible_since(url, principal, started - LOOKBACK, current_only=False)
            )
            for item in fresh:
                if item["id"] not in seen:
                    seen.add(item["id"])
                    yield _sse(item)
            last_mark, recheck = mark, time.monotonic() + RECHECK_SECONDS
        if time.monotonic() > keepalive:
            keepalive = time.monotonic() + KEEPALIVE_SECONDS
            yield ": keepalive\n\n"
        await asyncio.sleep(POLL_SECONDS)
