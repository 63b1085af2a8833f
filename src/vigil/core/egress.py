"""Where Vigil may send requests on behalf of its users (webhook endpoints today; feeds and TAXII
servers of other instances later). An org admin types a URL; without this check that URL could
point at the server's own network (a database admin page, a cloud metadata service at
169.254.169.254) and Vigil would call it with signed alert data. Only global addresses pass,
unless the operator allows private ones (`VIGIL_WEBHOOK_ALLOW_PRIVATE`, for endpoints inside
their own network).

A name is checked by resolving it: when a URL is saved (a name that does not resolve yet is
accepted; it cannot be called either) and again before every request. A name whose DNS answer
changes between the check and the connection (DNS rebinding) is not caught; the request still
never follows redirects.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from vigil.core.errors import Invalid


class Refused(Exception):
    """The destination is not a public address."""


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
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
        mapped = getattr(address, "ipv4_mapped", None)
        if not (mapped or address).is_global:
            raise Refused(
                f"{host} is {address}, not a public address; an operator may allow private "
                "addresses with VIGIL_WEBHOOK_ALLOW_PRIVATE=true"
            )


def check_url_field(url: str, *, allow_private: bool, field: str = "url") -> None:
    """check_destination as a 422 on the form or API field."""
    try:
        check_destination(url, allow_private=allow_private)
    except Refused as exc:
        raise Invalid(field, str(exc)) from None
