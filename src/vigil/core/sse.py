"""Server-sent events shared by the live channels (the alert banner, the incident room): the
framing of one event, and whether a per-process poller task can still serve this event loop."""

from __future__ import annotations

import asyncio


def event(name: str, data: str, event_id: int | None = None) -> bytes:
    """One event; SSE ends a line at CR, LF or CRLF, so every line of `data` is a data line."""
    text = data.replace("\r\n", "\n").replace("\r", "\n")
    lines = "".join(f"data: {line}\n" for line in text.split("\n"))
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\n{lines}\n".encode()


def serves_this_loop(task: asyncio.Task[None] | None) -> bool:
    """A poller task runs on while it has listeners; one of a stopped event loop (a test's
    server that ended) never runs again, so a new one must take its place."""
    return task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop()
