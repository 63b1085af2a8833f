"""A TAXII 2.1 client for peers: pages of objects by `added_after` and `next`, POSTs of objects,
and their status resources. Every request goes through the egress guard, with a timeout, and a
page larger than the cap is refused while it streams in, before it is read whole.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from vigil.core import crypto
from vigil.core.config import Settings
from vigil.core.egress import check_destination
from vigil.sharing.peer_models import Peer
from vigil.sharing.taxii import TAXII_MEDIA


class PeerError(Exception):
    """A peer could not be reached or answered something unusable; the message says which
    (and `status` the HTTP status of an error answer, 0 when there was none)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Page:
    objects: list[dict[str, Any]]
    more: bool
    next: str
    # The server's X-TAXII-Date-Added-Last: where the next incremental pull starts.
    date_added_last: str
    # SHA-256 of the envelope as received (the import's checksum, like a bundle file's).
    sha256: str = ""


@dataclass(frozen=True)
class Link:
    """Where and how to reach one peer's collection."""

    api_root: str
    collection_id: str
    username: str
    secret: str
    timeout: float
    max_page_bytes: int
    allow_private: bool

    @property
    def collection_url(self) -> str:
        root = self.api_root if self.api_root.endswith("/") else self.api_root + "/"
        return f"{root}collections/{quote(self.collection_id, safe='')}/"

    def headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept, "User-Agent": "Vigil"}
        if self.username:
            pair = f"{self.username}:{self.secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        elif self.secret:
            headers["Authorization"] = f"Bearer {self.secret}"
        return headers


@functools.cache
def _tls() -> ssl.SSLContext:
    """The system's trusted certificates, loaded once: loading them costs more than a page."""
    return ssl.create_default_context()


def client_of(link: Link) -> httpx.Client:
    """An HTTP client for the peer's requests: one kept across the pages of a pull keeps its
    connection (and TLS session) instead of opening one a page."""
    return httpx.Client(timeout=link.timeout, verify=_tls())


@contextlib.contextmanager
def _client(link: Link, given: httpx.Client | None = None) -> Iterator[httpx.Client]:
    if given is not None:
        yield given
        return
    with client_of(link) as client:
        yield client


def _read(
    link: Link, client: httpx.Client, request: httpx.Request
) -> tuple[httpx.Response, Any, str]:
    """The answer, its body parsed, and the body's SHA-256."""
    check_destination(str(request.url), allow_private=link.allow_private)
    try:
        response = client.send(request, stream=True)
        try:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > link.max_page_bytes:
                    raise PeerError(
                        f"{request.url} answered more than {link.max_page_bytes} bytes; "
                        "ask for smaller pages"
                    )
        finally:
            response.close()
    except httpx.HTTPError as exc:
        raise PeerError(f"{request.url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code >= 400:
        said = bytes(body[:300]).decode(errors="replace")
        raise PeerError(
            f"{request.url} answered {response.status_code}: {said}", status=response.status_code
        )
    try:
        return response, json.loads(body) if body else {}, hashlib.sha256(body).hexdigest()
    except ValueError as exc:
        raise PeerError(f"{request.url} answered something that is not JSON") from exc


def get_objects(
    link: Link,
    *,
    added_after: str = "",
    next_token: str = "",
    limit: int = 1000,
    client: httpx.Client | None = None,
) -> Page:
    """One page of the collection's objects added after `added_after` (or the page `next`),
    through `client` when given (else a client of its own)."""
    params: dict[str, str] = {"limit": str(limit)}
    if next_token:
        params["next"] = next_token
    if added_after:
        params["added_after"] = added_after
    with _client(link, client) as http:
        request = http.build_request(
            "GET",
            link.collection_url + "objects/",
            params=params,
            headers=link.headers(TAXII_MEDIA),
        )
        response, envelope, digest = _read(link, http, request)
    if not isinstance(envelope, dict):
        raise PeerError(f"{request.url} answered a {type(envelope).__name__}, not an envelope")
    objects = envelope.get("objects") or []
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise PeerError(f"{request.url} answered an envelope whose objects are not a list")
    return Page(
        objects=objects,
        more=bool(envelope.get("more")),
        next=str(envelope.get("next") or ""),
        date_added_last=response.headers.get("X-TAXII-Date-Added-Last", ""),
        sha256=digest,
    )


def post_objects(link: Link, objects: list[dict[str, Any]]) -> dict[str, Any]:
    """POST objects as an envelope; returns the peer's status resource."""
    body = json.dumps({"objects": objects}, separators=(",", ":")).encode()
    with _client(link) as client:
        headers = {**link.headers(TAXII_MEDIA), "Content-Type": TAXII_MEDIA}
        request = client.build_request(
            "POST", link.collection_url + "objects/", content=body, headers=headers
        )
        _, status, _ = _read(link, client, request)
    return status if isinstance(status, dict) else {}


def get_status(link: Link, status_id: str) -> dict[str, Any]:
    root = link.api_root if link.api_root.endswith("/") else link.api_root + "/"
    with _client(link) as client:
        request = client.build_request(
            "GET", f"{root}status/{quote(status_id, safe='')}/", headers=link.headers(TAXII_MEDIA)
        )
        _, status, _ = _read(link, client, request)
    return status if isinstance(status, dict) else {}


def link_of(peer: Peer, settings: Settings) -> Link:
    """How to reach `peer`, its secret decrypted with the instance's keys."""
    secret = ""
    if peer.secret_encrypted:
        secret = crypto.decrypt(
            peer.secret_encrypted, keys=settings.encryption_keys, secret_key=settings.secret_key
        )
    return Link(
        api_root=peer.api_root,
        collection_id=peer.collection_id,
        username=peer.username,
        secret=secret,
        timeout=settings.peer_timeout_seconds,
        max_page_bytes=settings.peer_max_page_bytes,
        allow_private=settings.webhook_allow_private,
    )
