"""The demo's news outlets, served by Vigil itself so that `make run` reads real feeds over
loopback and nothing leaves the machine: an RSS feed per outlet and a page per article
(demo_articles). They answer only once `vigil demo load` made sources that read them, and then
with the publication times of that load."""

from __future__ import annotations

import datetime as dt
import html
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep
from vigil.core.errors import NotFound
from vigil.monitoring.demo_articles import ARTICLES, FEEDS
from vigil.monitoring.models import Source

router = APIRouter(include_in_schema=False)
PREFIX = "/monitoring/demo-feed"
ARTICLE_TEXTS = {
    slug: (feed, lang, hours, title, text) for slug, feed, lang, hours, title, text in ARTICLES
}


def demo_loaded_at(session: Session) -> dt.datetime:
    """When the demo's sources were made: the articles' times count back from it."""
    loaded = session.scalar(
        select(func.min(Source.created_at)).where(Source.url.contains(f"{PREFIX}/"))
    )
    if loaded is None:
        raise NotFound("The demonstration feeds answer once `vigil demo load` has run.")
    return loaded


def article_path(slug: str) -> str:
    return f"{PREFIX}/articles/{slug}.html"


def feed_path(feed: str) -> str:
    return f"{PREFIX}/{feed}.xml"


@router.get(PREFIX + "/{feed}.xml")
def demo_feed(feed: str, request: Request, session: SessionDep) -> Response:
    """An invented outlet's RSS feed, newest first."""
    if feed not in FEEDS:
        raise NotFound("No such demonstration feed.")
    loaded = demo_loaded_at(session)
    name, language = FEEDS[feed]
    base = str(request.base_url).rstrip("/")
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = name
    ET.SubElement(channel, "link").text = base + feed_path(feed)
    ET.SubElement(channel, "description").text = "Demonstration news written for Vigil."
    ET.SubElement(channel, "language").text = language
    items = sorted((a for a in ARTICLES if a[1] == feed), key=lambda a: a[3])
    for slug, _, _, hours, title, text in items:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = title
        ET.SubElement(item, "link").text = base + article_path(slug)
        ET.SubElement(item, "guid").text = base + article_path(slug)
        ET.SubElement(item, "pubDate").text = format_datetime(loaded - dt.timedelta(hours=hours))
        ET.SubElement(item, "description").text = text.split(". ")[0] + "."
    body = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/rss+xml")


@router.get(PREFIX + "/articles/{slug}.html")
def demo_article(slug: str, session: SessionDep) -> Response:
    """One article's page, with the furniture of a news site around it."""
    if slug not in ARTICLE_TEXTS:
        raise NotFound("No such demonstration article.")
    feed, language, hours, title, text = ARTICLE_TEXTS[slug]
    published = demo_loaded_at(session) - dt.timedelta(hours=hours)
    outlet = html.escape(FEEDS[feed][0])
    page = f"""<!doctype html>
<html lang="{language}"><head><meta charset="utf-8"><title>{html.escape(title)} | {outlet}</title>
<meta property="article:published_time" content="{published.isoformat()}"></head>
<body><header><nav><a href="/">{outlet}</a> · Politics · Local · Sport</nav></header>
<main><article><h1>{html.escape(title)}</h1>
<p><time datetime="{published.isoformat()}">{published:%Y-%m-%d %H:%M}</time></p>
<p>{html.escape(text)}</p></article></main>
<aside><h2>Related coverage</h2><ul><li>Weather for the weekend</li></ul></aside>
<footer>Subscribe to our newsletter · © {outlet}</footer></body></html>"""
    return Response(page, media_type="text/html; charset=utf-8")
