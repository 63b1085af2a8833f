"""Where Vigil may send requests on behalf of its users (webhook endpoints, CAP feeds,
monitoring sources, TAXII servers of other instances). An org admin types a URL; without this
check that URL could point at the server's own network (a database admin page, a cloud metadata
service at 169.254.169.254) and Vigil would call it with signed alert data. Only global
addresses pass, unless the operator allows private ones (`VIGIL_WEBHOOK_ALLOW_PRIVATE`, for
endpoints inside their own network).

A name is checked by resolving it: when a URL is saved (a name that does not resolve yet is
accepted; it cannot be called either) and again for every request. A request made through
`guarded_client` (webhooks, CAP feeds, monitoring) resolves the name once, checks every address
it got, and connects to a checked address itself (the Host header, TLS server name and
certificate check stay the name's), so a DNS answer that changes between the check and the
connection (DNS rebinding) reaches nothing unchecked (DECISIONS 33). The TAXII peer client
still checks before it connects.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore import SOCKET_OPTION

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


class _CheckedNetwork(httpcore.SyncBackend):
    """Opens the TCP connections of a guarded client: the name is resolved once, every address
    it has is checked (all must pass, as `check_destination` asks), and the connection goes to
    those addresses in turn. TLS, the Host header and the connection pool keep the name."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _addresses(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"{host} does not resolve")
        if not self.allow_private:
            for address in addresses:
                _check_address(host, address)
        failed: httpcore.ConnectError | None = None
        for address in dict.fromkeys(addresses):  # each once, in the resolver's order
            try:
                return super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:  # the name's next address may answer
                failed = exc
        assert failed is not None
        raise failed


@functools.cache
def _tls() -> ssl.SSLContext:
    """The system's trusted certificates, loaded once (loading them costs more than a request)."""
    return ssl.create_default_context()


class GuardedTransport(httpx.HTTPTransport):
    """An HTTP transport that connects only to addresses it checked itself (DNS rebinding
    between a check and the connection reaches nothing unchecked)."""

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__(verify=_tls(), trust_env=False)
        # httpx builds its pool without a way to give it a network backend; this one is the
        # same pool with the checking backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_CheckedNetwork(allow_private=allow_private),
        )


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
