"""Pure-ASGI middleware: request ids and access logs, body size limit, security headers."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vigil.core.config import Settings
from vigil.core.errors import problem
from vigil.core.logs import request_id

log = logging.getLogger("vigil.http")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class BodyTooLarge(HTTPException):
    """Raised while a body without Content-Length is read past the limit.

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
        limit: int = scope.get("state", {}).get("max_body_bytes") or self.settings.max_body_bytes
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        try:
            if declared is not None and declared.isdigit() and int(declared) > limit:
                await self._too_large(scope, receive, send, limit)
                status["code"] = 413
                return
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise BodyTooLarge(limit)
                return message

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                    message["headers"] = list(message.get("headers", [])) + self._headers(rid)
                await send(message)

            try:
                await self.app(scope, limited_receive, send_with_headers)
            except BodyTooLarge:
                await self._too_large(scope, receive, send, limit)
                status["code"] = 413
        finally:
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status["code"],
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id.reset(token)

    def _headers(self, rid: str) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"x-request-id", rid.encode()),
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
        ]
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
