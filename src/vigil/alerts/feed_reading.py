"""Reading a subscribed CAP feed from outside: fetched only through the egress guard (checked
again at every redirect), with a deadline and a size cap, conditionally (ETag, Last-Modified),
then read as Atom or RSS 2.0 into entries that link or embed a CAP document.

The feed is parsed with defusedxml rather than a feed library: an entry may carry its CAP
document inline (`<content type="application/cap+xml">`), which must reach the CAP import as an
XML element, not as text a sanitiser has rewritten.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET  # noqa: S405 - serialises parsed elements; parsing is defusedxml's
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from vigil.alerts.cap_versions import version_of
from vigil.core.config import Settings
from vigil.core.egress import Refused, check_destination, guarded_client

ATOM = "{http://www.w3.org/2005/Atom}"
MAX_REDIRECTS = 3
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/cap+xml, application/xml;q=0.9, "
    "*/*;q=0.1"
)


class FeedError(Exception):
    """The feed (or a document it links) could not be fetched or read; the message says why."""


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 when unchanged since the ETag / Last-Modified given
    body: bytes
    etag: str
    last_modified: str


@dataclass(frozen=True)
class Entry:
    """One entry of a feed: `key` changes when the entry does (its id and its update time)."""

    key: str
    document_url: str  # the linked CAP document; "" when it is embedded
    embedded: bytes | None = None


def http_client(settings: Settings) -> httpx.Client:
    return guarded_client(
        allow_private=settings.webhook_allow_private,
        timeout=httpx.Timeout(settings.cap_feed_timeout_seconds),
    )


def fetch(
    client: httpx.Client,
    url: str,
    *,
    settings: Settings,
    max_bytes: int,
    etag: str = "",
    last_modified: str = "",
) -> Fetched:
    """GET `url` as the guard allows: each hop's address checked, the whole answer within the
    feed timeout and `max_bytes`."""
    deadline = time.monotonic() + settings.cap_feed_timeout_seconds
    headers = {"User-Agent": "Vigil-CAP-Feeds", "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            check_destination(url, allow_private=settings.webhook_allow_private)
        except Refused as exc:
            raise FeedError(f"{url} was not fetched: {exc}") from None
        try:  # the client checks again the address it connects to (DNS rebinding)
            with client.stream("GET", url, headers=headers) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code == 304:
                    return Fetched(304, b"", etag, last_modified)
                if not 200 <= response.status_code < 300:
                    raise FeedError(f"{url} answered HTTP {response.status_code}")
                body = _read(response, url, max_bytes=max_bytes, deadline=deadline)
                return Fetched(
                    response.status_code,
                    body,
                    response.headers.get("etag", "")[:500],
                    response.headers.get("last-modified", "")[:100],
                )
        except Refused as exc:
            raise FeedError(f"{url} was not fetched: {exc}") from None
        except httpx.TimeoutException:
            raise FeedError(
                f"{url} did not answer within {settings.cap_feed_timeout_seconds:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise FeedError(f"{url} could not be fetched: {type(exc).__name__}: {exc}") from None
    raise FeedError(f"{url} redirected more than {MAX_REDIRECTS} times")


def _read(response: httpx.Response, url: str, *, max_bytes: int, deadline: float) -> bytes:
    too_big = f"{url} sent more than {max_bytes:,} bytes, the most Vigil reads"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FeedError(too_big)
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise FeedError(too_big)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the answer took too long", request=response.request)
    return bytes(body)


def read_entries(body: bytes, *, base_url: str) -> list[Entry]:
    """The entries of an Atom or RSS 2.0 feed, oldest first (a plain CAP document, which some
    authorities publish at a fixed address, is one entry)."""
    try:
        root = defused_fromstring(body)
    except (ET.ParseError, DefusedXmlException, ValueError) as exc:
        raise FeedError(f"the feed is not well-formed XML: {exc}") from None
    if version_of(root) is not None:
        return [Entry(key=f"document:{_cap_key(root)}", document_url="", embedded=body)]
    if root.tag == f"{ATOM}feed":
        entries = [_atom_entry(e, base_url) for e in root.findall(f"{ATOM}entry")]
    elif root.tag == "rss":
        entries = [_rss_item(i, base_url) for i in root.findall("channel/item")]
    else:
        raise FeedError(f"the root element is {root.tag}, not an Atom feed, RSS or CAP alert")
    return list(reversed(entries))  # feeds list the newest first; an Update follows its Alert


def _cap_key(root: ET.Element) -> str:
    namespace = root.tag.partition("}")[0] + "}"
    parts = [(root.findtext(f"{namespace}{n}") or "").strip() for n in ("sender", "identifier")]
    return ",".join([*parts, (root.findtext(f"{namespace}sent") or "").strip()])


def _atom_entry(entry: ET.Element, base_url: str) -> Entry:
    key = f"{(entry.findtext(f'{ATOM}id') or '').strip()}|{_updated(entry)}"
    content = entry.find(f"{ATOM}content")
    embedded = _embedded(content)
    if embedded is not None:
        return Entry(key=key, document_url="", embedded=embedded)
    links = entry.findall(f"{ATOM}link")
    cap = [link for link in links if "cap" in (link.get("type") or "").lower()]
    alternate = [link for link in links if link.get("rel", "alternate") == "alternate"]
    href = next((link.get("href") for link in [*cap, *alternate] if link.get("href")), "")
    if not href and content is not None and content.get("src"):
        href = content.get("src", "")
    return Entry(key=key, document_url=urljoin(base_url, href.strip()) if href else "")


def _updated(entry: ET.Element) -> str:
    return (entry.findtext(f"{ATOM}updated") or entry.findtext(f"{ATOM}published") or "").strip()


def _embedded(content: ET.Element | None) -> bytes | None:
    if content is None:
        return None
    alert = next((child for child in content if version_of(child) is not None), None)
    return None if alert is None else ET.tostring(alert, encoding="utf-8", xml_declaration=True)


def _rss_item(item: ET.Element, base_url: str) -> Entry:
    guid = (item.findtext("guid") or item.findtext("link") or "").strip()
    key = f"{guid}|{(item.findtext('pubDate') or '').strip()}"
    enclosure = item.find("enclosure")
    href = enclosure.get("url", "") if enclosure is not None else ""
    href = href or (item.findtext("link") or "").strip()
    return Entry(key=key, document_url=urljoin(base_url, href) if href else "")
