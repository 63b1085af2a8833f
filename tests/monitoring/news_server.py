"""A news site for the monitoring tests: a threaded HTTP server on loopback serving pages,
feeds (with an ETag, answering a conditional GET with 304), redirects, a robots.txt, a page of
100 MB streamed without a length, and a page that answers slowly; every request is recorded."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.alerts.receivers import free_port

HUGE_BYTES = 100 * 1024 * 1024


@dataclass
class Route:
    body: bytes = b""
    kind: str = "text/html; charset=utf-8"
    redirect: str = ""  # answer 302 to this
    huge: bool = False  # stream HUGE_BYTES without Content-Length
    slow_seconds: float = 0.0  # wait this long before answering
    status: int = 200


@dataclass
class NewsServer:
    url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    sent_bytes: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.requests]


def article_page(title: str, paragraphs: list[str], *, lang: str = "en", author: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    meta = f'<meta name="author" content="{author}">' if author else ""
    return (
        f'<!doctype html><html lang="{lang}"><head><title>{title}</title>{meta}</head><body>'
        f"<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        f"<article><h1>{title}</h1>{body}<p>Share on Facebook</p></article>"
        f"<footer>All rights reserved</footer></body></html>"
    ).encode()


@contextmanager
def news_server() -> Iterator[NewsServer]:
    state = NewsServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            with state.lock:
                state.requests.append((self.path, dict(self.headers.items())))
            route = state.routes.get(self.path.split("?", 1)[0])
            if route is None:
                self._answer(404, b"not here", "text/plain")
                return
            if route.slow_seconds:
                state.closing.wait(route.slow_seconds)
            if route.redirect:
                self.send_response(302)
                self.send_header("Location", route.redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.huge:
                self._stream_huge()
                return
            etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if route.status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._answer(route.status, route.body, route.kind, etag=etag)

        def _stream_huge(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65_530 + b"</p>"
            sent = 0
            try:
                while sent < HUGE_BYTES:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # the reader stopped at its cap
            with state.lock:
                state.sent_bytes[self.path] = sent
            self.close_connection = True

        def _answer(self, status: int, body: bytes, kind: str, etag: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def handle(self) -> None:
            with contextlib.suppress(OSError):  # the reader hung up (a timeout, a size cap)
                super().handle()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.closing.set()
        server.shutdown()
        server.server_close()
