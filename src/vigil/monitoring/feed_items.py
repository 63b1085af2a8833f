"""What a fetched feed or listing page points to: the items of an RSS 2.0 or Atom feed, and the
article links of a page that lists articles.

Feeds are parsed with defusedxml: a feed is text from outside, and an entity bomb
(billion laughs) or an external entity must be a clear error on the source, not a worker that
runs out of memory or reads a local file.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 - only for the ParseError type; parsing is defusedxml's
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


class NotAFeed(Exception):
    """The body is not an RSS 2.0 or Atom feed; the message says why."""


@dataclass(frozen=True)
class FeedItem:
    url: str
    title: str
    summary: str  # the item's own text (description or content), used when its page is not read
    author: str
    published_at: dt.datetime | None


def article_key(url: str) -> str:
    """The address an article is known by: without fragment and `utm_*` tracking parameters,
    the host in lower case, so the same article shared with other tracking is stored once."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.startswith("utm_")
    ]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def read_feed(body: bytes, *, base_url: str) -> list[FeedItem]:
    """The items of an RSS 2.0 or Atom feed, in the feed's order (newest first, usually)."""
    try:
        root = defused_fromstring(body)
    except DefusedXmlException as exc:
        raise NotAFeed(f"the feed was refused: it declares entities or a DTD ({exc})") from None
    except (ET.ParseError, ValueError) as exc:
        raise NotAFeed(f"the feed is not well-formed XML: {exc}") from None
    if root.tag == f"{ATOM}feed":
        return [_atom_item(entry, base_url) for entry in root.findall(f"{ATOM}entry")]
    if root.tag == "rss":
        return [_rss_item(item, base_url) for item in root.findall("channel/item")]
    raise NotAFeed(f"the root element is {root.tag}, not an RSS 2.0 or Atom feed")


def _text(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _rss_item(item: ET.Element, base_url: str) -> FeedItem:
    link = (item.findtext("link") or "").strip()
    guid = item.find("guid")
    if not link and guid is not None and guid.get("isPermaLink", "true") != "false":
        link = (guid.text or "").strip()
    summary = _text(item.find(CONTENT)) or _text(item.find("description"))
    return FeedItem(
        url=urljoin(base_url, link) if link else "",
        title=_text(item.find("title")),
        summary=summary,
        author=_text(item.find(DC_CREATOR)) or _text(item.find("author")),
        published_at=_rfc822((item.findtext("pubDate") or "").strip()),
    )


def _atom_item(entry: ET.Element, base_url: str) -> FeedItem:
    links = entry.findall(f"{ATOM}link")
    alternate = [link for link in links if link.get("rel", "alternate") == "alternate"]
    href = next((link.get("href", "") for link in alternate if link.get("href")), "")
    published = entry.findtext(f"{ATOM}published") or entry.findtext(f"{ATOM}updated") or ""
    return FeedItem(
        url=urljoin(base_url, href.strip()) if href else "",
        title=_text(entry.find(f"{ATOM}title")),
        summary=_text(entry.find(f"{ATOM}content")) or _text(entry.find(f"{ATOM}summary")),
        author=_text(entry.find(f"{ATOM}author/{ATOM}name")),
        published_at=_iso(published.strip()),
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _rfc822(value: str) -> dt.datetime | None:
    try:
        return _utc(parsedate_to_datetime(value)) if value else None
    except (TypeError, ValueError, IndexError):
        return None


def _iso(value: str) -> dt.datetime | None:
    try:
        return _utc(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href.strip())


def listed_links(html: bytes, *, base_url: str) -> list[str]:
    """The links of a listing page that may be articles: on the page's own host, not the page
    itself nor the site's front page, each once, in the page's order."""
    parser = _Links()
    parser.feed(html.decode("utf-8", "replace"))
    base = urlsplit(base_url)
    own = article_key(base_url)
    found: dict[str, str] = {}
    for href in parser.hrefs:
        url = urljoin(base_url, href)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != base.netloc.lower():
            continue
        key = article_key(url)
        if key == own or parts.path in ("", "/"):
            continue
        found.setdefault(key, url.split("#", 1)[0])
    return list(found.values())
