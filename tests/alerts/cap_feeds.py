"""An authority's feed server for the CAP feed tests: a threaded HTTP server on loopback that
serves an Atom feed (entries linking CAP documents, or holding one) with an ETag and answers
a conditional GET with 304, can fail on purpose, and records every request."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

from tests.alerts.receivers import free_port

ATOM_NS = "http://www.w3.org/2005/Atom"


@dataclass
class FeedEntry:
    """An entry: its CAP document is linked at /cap/<name>.xml, or embedded when `inline`."""

    name: str
    document: bytes | None  # None: the link answers 404
    updated: str = "2026-12-14T10:00:00Z"
    inline: bool = False


@dataclass
class FeedServer:
    url: str = ""
    entries: list[FeedEntry] = field(default_factory=list)
    fail_with: int | None = None  # the feed answers this HTTP status instead
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def feed_url(self) -> str:
        return f"{self.url}/feed.atom"

    def atom(self) -> bytes:
        parts = [
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="{ATOM_NS}">'
            "<id>urn:test:authority</id><title>Warnungen</title>"
            "<updated>2026-12-14T10:00:00Z</updated>"
        ]
        for entry in reversed(self.entries):  # newest first, as feeds are written
            parts.append(
                f"<entry><id>urn:test:{entry.name}</id><title>{entry.name}</title>"
                f"<updated>{entry.updated}</updated>"
            )
            if entry.inline and entry.document is not None:
                cap = entry.document.decode().split("?>", 1)[1]
                parts.append(f'<content type="application/cap+xml">{cap}</content>')
            else:
                parts.append(f'<link rel="alternate" type="text/html" href="/page/{entry.name}"/>')
                href = escape(f"/cap/{entry.name}.xml")
                parts.append(f'<link rel="related" type="application/cap+xml" href="{href}"/>')
            parts.append("</entry>")
        parts.append("</feed>")
        return "".join(parts).encode()

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.requests]

    def headers_of(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [headers for p, headers in self.requests if p == path]


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    server_state = FeedServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            with server_state.lock:
                server_state.requests.append((self.path, dict(self.headers.items())))
            if self.path == "/feed.atom":
                self._feed()
                return
            documents = {f"/cap/{e.name}.xml": e.document for e in server_state.entries}
            document = documents.get(self.path)
            if document is not None:
                self._answer(200, document, "application/cap+xml")
            else:
                self._answer(404, b"not here", "text/plain")

        def _feed(self) -> None:
            if server_state.fail_with is not None:
                self._answer(server_state.fail_with, b"down for maintenance", "text/plain")
                return
            body = server_state.atom()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self._answer(200, body, "application/atom+xml", etag=etag)

        def _answer(self, status: int, body: bytes, kind: str, etag: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True
    server_state.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()
