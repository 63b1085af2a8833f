"""Pure-ASGI middleware: request ids and access logs, body size limit, security headers."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vigil.core import metrics
from vigil.core.config import Settings
from vigil.core.errors import problem
from vigil.core.logs import request_id

log = logging.getLogger("vigil.http")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
BODY_LIMIT_ATTRIBUTE = "vigil_max_body_bytes"
FRAMING_ATTRIBUTE = "vigil_frame_ancestors"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def body_limit(limit: Callable[[Settings], int]) -> Callable[[Endpoint], Endpoint]:
    """Give one route its own request-body limit instead of MAX_BODY_BYTES (e.g. uploads).

    The limit is read from the settings per request and travels with the endpoint, so it holds
    exactly where the route is mounted. Put it under the route decorator.
    """

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, BODY_LIMIT_ATTRIBUTE, limit)
        return endpoint

    return mark


def endpoint_body_limit(scope: Scope, settings: Settings) -> int | None:
    """The limit the routed endpoint asked for with `body_limit`, if any."""
    limit = getattr(scope.get("endpoint"), BODY_LIMIT_ATTRIBUTE, None)
    return limit(settings) if limit is not None else None


def frame_ancestors(sources: str) -> Callable[[Endpoint], Endpoint]:
    """Let other sites frame one route (an embeddable widget): its CSP says `frame-ancestors
    <sources>` instead of 'none', and it sends no X-Frame-Options. Every other route stays
    unframeable. Put it under the route decorator."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, FRAMING_ATTRIBUTE, sources)
        return endpoint

    return mark


class BodyTooLarge(HTTPException):
    """Raised when a body is read that is, or says it is, larger than the limit.

    An HTTPException, because FastAPI turns any other error raised while it reads a body into
    "400 There was an error parsing the body"; this way the client gets the 413 it is.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than the limit of {limit} bytes.")


class VigilMiddleware:
    """One middleware for every request: cheap, and ordering questions disappear."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex[:16]
        token = request_id.set(rid)
        started = time.perf_counter()
        status = {"code": 500}
        limit = self.settings.max_body_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        try:
            received = 0
            routed = False

            async def limited_receive() -> Message:
                nonlocal limit, received, routed
                if not routed:
                    # Bodies are read after routing, so the endpoint's own limit is known here.
                    routed = True
                    limit = endpoint_body_limit(scope, self.settings) or limit
                    if declared is not None and declared.isdigit() and int(declared) > limit:
                        raise BodyTooLarge(limit)
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise BodyTooLarge(limit)
                return message

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                    framing = getattr(scope.get("endpoint"), FRAMING_ATTRIBUTE, None)
                    extra = self._headers(rid, framing)
                    message["headers"] = list(message.get("headers", [])) + extra
                await send(message)

            try:
                await self.app(scope, limited_receive, send_with_headers)
            except BodyTooLarge:
                await self._too_large(scope, receive, send, limit)
                status["code"] = 413
        finally:
            seconds = time.perf_counter() - started
            metrics.observe_request(scope, status["code"], seconds)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status["code"],
                    "ms": round(seconds * 1000, 2),
                },
            )
            request_id.reset(token)

    def _headers(self, rid: str, framing: str | None = None) -> list[tuple[bytes, bytes]]:
        csp = (
            CSP
            if framing is None
            else CSP.replace("frame-ancestors 'none'", "") + (f"frame-ancestors {framing}")
        )
        headers = [
            (b"x-request-id", rid.encode()),
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
        ]
        if framing is None:
            headers.insert(3, (b"x-frame-options", b"DENY"))
        if self.settings.https:
            headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        return headers

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(
            413,
            "Request body too large",
            f"The request body is larger than the limit of {limit} bytes.",
            instance=scope["path"],
        )
        response.headers.update({k.decode(): v.decode() for k, v in self._headers("")[1:]})
        await response(scope, receive, send)
