"""Fetching one address for monitoring, politely and within bounds: robots.txt honoured, a few
requests at a time and not too often per host, conditionally (ETag, Last-Modified), within a
deadline and a size cap read as the answer streams in, redirects followed by hand a few times,
each hop connected only to an address the egress guard checked.

A source that misbehaves (slow, huge, looping) costs its own poll the deadline at most and gets
an error that says what happened; other sources' polls go on (DECISIONS 33, issue 15).
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from vigil.core.config import Settings
from vigil.core.egress import Refused, guarded_client

USER_AGENT = "Vigil-monitoring"
MAX_REDIRECTS = 3
ROBOTS_MAX_BYTES = 512 * 1024
ACCEPT = "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, */*;q=0.5"


class FetchError(Exception):
    """The address could not be read; the message says why, for the source's health (and
    `status` the HTTP status of an error answer, 0 when there was none)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Fetched:
    url: str  # where the answer came from, after redirects
    status: int  # 200, or 304 when unchanged since the ETag / Last-Modified given
    body: bytes
    etag: str
    last_modified: str
    content_type: str


class _HostGate:
    """The requests of this process to one host: at most `concurrency` at once, their starts
    at least `interval` seconds apart."""

    def __init__(self, concurrency: int) -> None:
        self.slots = threading.BoundedSemaphore(concurrency)
        self.lock = threading.Lock()
        self.next_start = 0.0


_GATES: dict[tuple[str, int], _HostGate] = {}
_GATES_LOCK = threading.Lock()
_ROBOTS: dict[str, tuple[float, urllib.robotparser.RobotFileParser | None]] = {}
_ROBOTS_LOCK = threading.Lock()


@contextmanager
def _host_turn(netloc: str, settings: Settings, deadline: float) -> Iterator[None]:
    key = (netloc, settings.monitoring_host_concurrency)
    with _GATES_LOCK:
        gate = _GATES.setdefault(key, _HostGate(settings.monitoring_host_concurrency))
    if not gate.slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
        raise FetchError(f"{netloc} is busy with other requests of this worker; try again later")
    try:
        with gate.lock:
            start = max(time.monotonic(), gate.next_start)
            gate.next_start = start + settings.monitoring_host_interval_seconds
        wait = start - time.monotonic()
        if wait > 0:
            if start > deadline:
                raise FetchError(f"{netloc} was asked too often; try again later")
            time.sleep(wait)  # politeness towards the host, not waiting for a result
        yield
    finally:
        gate.slots.release()


class Fetcher:
    """One poll's HTTP client (its connections kept across the poll's requests)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = guarded_client(
            allow_private=settings.webhook_allow_private,
            timeout=httpx.Timeout(settings.monitoring_timeout_seconds),
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.client.close()

    def fetch(self, url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
        """GET `url` as robots.txt and the guard allow, within the deadline and size cap."""
        deadline = time.monotonic() + self.settings.monitoring_deadline_seconds
        headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        visited = [url]
        for _hop in range(MAX_REDIRECTS + 1):
            if not self.allowed_by_robots(url, deadline=deadline):
                raise FetchError(f"{url} is disallowed for {USER_AGENT} by the site's robots.txt")
            answer = self._get(url, headers, deadline=deadline, max_bytes=self._cap())
            if isinstance(answer, Fetched):
                return answer
            url = answer
            if url in visited:
                raise FetchError(f"redirect loop: {' -> '.join([*visited, url])}")
            visited.append(url)
        raise FetchError(f"{visited[0]} redirected more than {MAX_REDIRECTS} times")

    def _cap(self) -> int:
        return self.settings.monitoring_max_bytes

    def _get(
        self, url: str, headers: dict[str, str], *, deadline: float, max_bytes: int
    ) -> Fetched | str:
        """The answer, or the address a redirect points to."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"{url} is not an http or https address")
        seconds = self.settings.monitoring_deadline_seconds
        try:
            with (
                _host_turn(parts.netloc.lower(), self.settings, deadline),
                self.client.stream("GET", url, headers=headers) as response,
            ):
                if response.is_redirect and "location" in response.headers:
                    return urljoin(url, response.headers["location"])
                if response.status_code == 304:
                    etag = headers.get("If-None-Match", "")
                    return Fetched(url, 304, b"", etag, headers.get("If-Modified-Since", ""), "")
                if not 200 <= response.status_code < 300:
                    raise FetchError(
                        f"{url} answered HTTP {response.status_code}", status=response.status_code
                    )
                body = _read(response, url, max_bytes=max_bytes, deadline=deadline)
                return Fetched(
                    url,
                    response.status_code,
                    body,
                    response.headers.get("etag", "")[:500],
                    response.headers.get("last-modified", "")[:100],
                    response.headers.get("content-type", ""),
                )
        except Refused as exc:
            raise FetchError(f"{url} was not fetched: {exc}") from None
        except httpx.TimeoutException:
            raise FetchError(f"{url} did not answer within {seconds:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{url} could not be fetched: {type(exc).__name__}: {exc}") from None

    def allowed_by_robots(self, url: str, *, deadline: float) -> bool:
        """Whether the host's robots.txt lets Vigil read `url` (kept for a few minutes per
        host). No robots.txt (4xx) allows everything; one that cannot be read (5xx, no
        answer) allows nothing this time, as RFC 9309 asks."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        now = time.monotonic()
        with _ROBOTS_LOCK:
            cached = _ROBOTS.get(origin)
        if cached is None or cached[0] < now:
            rules = self._robots(origin, deadline=deadline)
            with _ROBOTS_LOCK:
                _ROBOTS[origin] = (now + self.settings.monitoring_robots_cache_seconds, rules)
        else:
            rules = cached[1]
        return rules is None or rules.can_fetch(USER_AGENT, url)

    def _robots(self, origin: str, *, deadline: float) -> urllib.robotparser.RobotFileParser | None:
        robots_url = f"{origin}/robots.txt"
        headers = {"User-Agent": USER_AGENT, "Accept": "text/plain"}
        rules = urllib.robotparser.RobotFileParser(robots_url)
        url = robots_url
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                answer = self._get(url, headers, deadline=deadline, max_bytes=ROBOTS_MAX_BYTES)
            except FetchError as exc:
                if 400 <= exc.status < 500:
                    return None  # no robots.txt: everything is allowed
                raise FetchError(f"{robots_url} could not be read, so nothing was: {exc}") from None
            if isinstance(answer, Fetched):
                rules.parse(answer.body.decode("utf-8", "replace").splitlines())
                return rules
            url = answer
        return None


def _read(response: httpx.Response, url: str, *, max_bytes: int, deadline: float) -> bytes:
    too_big = f"{url} is larger than {max_bytes:,} bytes, the most Vigil reads; it was cut off"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(too_big)
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(too_big)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the answer took too long", request=response.request)
    return bytes(body)


def forget_hosts() -> None:
    """Forget cached robots.txt rules and host gates (a changed robots.txt is read at once)."""
    with _ROBOTS_LOCK:
        _ROBOTS.clear()
    with _GATES_LOCK:
        _GATES.clear()
