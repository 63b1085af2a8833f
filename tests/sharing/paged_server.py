"""A small TAXII 2.1 collection server on loopback whose pages the test decides: it can fail
on a given page (a peer that dies mid-pull) or answer more bytes than a peer may."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vigil.sharing.taxii import TAXII_MEDIA

COLLECTION = "5a8e1d0c-93a4-4f6b-8d2e-7c1b0a9f8e7d"
DATE_ADDED = "2026-04-01T00:00:00.000000Z"


@dataclass
class Pages:
    """The collection as pages (page i is `next=i`); what was asked is recorded."""

    pages: list[list[dict[str, Any]]]
    failing: set[int] = field(default_factory=set)  # pages answered with a 500
    padding: int = 0  # bytes added to every answer (a page over the size cap)
    forgot_tokens: bool = False  # restarted: every `next` is answered 400
    asked: list[dict[str, str]] = field(default_factory=list)
    # When set, the first request waits for `release` (a pull that is slow to get its page),
    # and `arrived` says it is waiting.
    release: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)

    def answer(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.asked.append(query)
        if self.release is not None and not self.arrived.is_set():
            self.arrived.set()
            assert self.release.wait(timeout=30)
        if query.get("added_after", "") >= DATE_ADDED:
            return 200, {"more": False}
        if self.forgot_tokens and "next" in query:
            return 400, {"title": "unknown next token"}
        index = int(query.get("next", "0"))
        if index in self.failing:
            return 500, {"title": f"page {index} failed"}
        last = index == len(self.pages) - 1
        envelope: dict[str, Any] = {"objects": self.pages[index], "more": not last}
        if not last:
            envelope["next"] = str(index + 1)
        if self.padding:
            envelope["padding"] = "x" * self.padding
        return 200, envelope


@contextmanager
def paged_server(pages: Pages) -> Iterator[str]:
    """Serve `pages`; yields the API root URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server interface
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            status, body = pages.answer(query)
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", TAXII_MEDIA)
            self.send_header("Content-Length", str(len(raw)))
            if status == 200 and body.get("objects"):
                self.send_header("X-TAXII-Date-Added-Last", DATE_ADDED)
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/taxii2/root/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
