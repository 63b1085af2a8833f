"""Where Vigil may send requests on behalf of its users (webhook endpoints today; feeds and TAXII
servers of other instances later). An org admin types a URL; without this check that URL could
point at the server's own network (a database admin page, a cloud metadata service at
169.254.169.254) and Vigil would call it with signed alert data. Only global addresses pass,
unless the operator allows private ones (`VIGIL_WEBHOOK_ALLOW_PRIVATE`, for endpoints inside
their own network).

A name is checked by resolving it: when a URL is saved (a name that does not resolve yet is
accepted; it cannot be called either) and again for every request. A request made through
`guarded_client` resolves the name once, checks every address it got, and connects to a checked
address itself (the Host header and TLS server name stay the name's), so a DNS answer that
changes between the check and the connection (DNS rebinding) reaches nothing unchecked
(DECISIONS 33).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

from vigil.core.errors import Invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The destination is not a public address."""


def _addresses(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def check_destination(url: str, *, allow_private: bool) -> None:
    """Raises Refused naming the address when the URL's host is or resolves to a non-global
    address (loopback, private, link-local, reserved, multicast, unspecified)."""
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for address in _addresses(host, port):
        _check_address(host, address)


def _check_address(host: str, address: Address) -> None:
    mapped = getattr(address, "ipv4_mapped", None)
    if not (mapped or address).is_global:
        raise Refused(
            f"{host} is {address}, not a public address; an operator may allow private "
            "addresses with VIGIL_WEBHOOK_ALLOW_PRIVATE=true"
        )


class GuardedTransport(httpx.HTTPTransport):
    """An HTTP transport that connects only to addresses it checked itself: the name of each
    request is resolved once, every address is checked (all must pass, as `check_destination`
    asks), and the connection goes to those addresses in turn, with the request's Host header
    and, over TLS, the name as server name (SNI) and for the certificate check."""

    def __init__(self, *, allow_private: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_private = allow_private

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        addresses = _addresses(host, port)
        if not addresses:
            raise httpx.ConnectError(f"{host} does not resolve", request=request)
        if not self.allow_private:
            for address in addresses:
                _check_address(host, address)
        failed: httpx.ConnectError | None = None
        for address in dict.fromkeys(addresses):  # each once, in the resolver's order
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=str(address)),
                headers=request.headers,  # carries Host: the name, not the address
                stream=request.stream,
                extensions={**request.extensions, "sni_hostname": host},
            )
            try:
                return super().handle_request(pinned)
            except httpx.ConnectError as exc:  # the next address the name has may answer
                failed = exc
        assert failed is not None
        raise failed


def guarded_client(*, allow_private: bool, timeout: httpx.Timeout | float) -> httpx.Client:
    """A client whose every request goes through `GuardedTransport`; it never follows
    redirects by itself (a caller that follows one sends a new request, checked again)."""
    return httpx.Client(
        transport=GuardedTransport(allow_private=allow_private),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


def check_url_field(url: str, *, allow_private: bool, field: str = "url") -> None:
    """check_destination as a 422 on the form or API field."""
    try:
        check_destination(url, allow_private=allow_private)
    except Refused as exc:
        raise Invalid(field, str(exc)) from None
