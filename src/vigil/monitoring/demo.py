"""Demonstration monitoring for `vigil demo load`: each demo organisation reads a few invented
outlets that Vigil serves itself (demo_feed), watches its sites under the names the articles
use and a few terms, and has the articles already read, stored and queued for analysis as a
poll would have left them, so the inbox fills as soon as the worker runs. Later polls of the
same feeds find nothing new."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.db import utcnow
from vigil.core.domains import DemoData
from vigil.core.policy import TLP
from vigil.monitoring import sources
from vigil.monitoring.demo_articles import (
    ARTICLES,
    FEEDS,
    ORG_FEEDS,
    SITE_ALIASES,
    TERM_WATCHES,
)
from vigil.monitoring.demo_feed import PREFIX, article_path, feed_path
from vigil.monitoring.extraction import Extracted
from vigil.monitoring.models import Source, SourceKind, Watch, WatchKind
from vigil.monitoring.watch_schemas import ALIAS_SEPARATOR
from vigil.sites.demo import COORDINATORS, demo_site

POLL_SECONDS = 900


def _source(session: Session, demo: DemoData, org_slug: str, feed: str, now: dt.datetime) -> Source:
    name, language = FEEDS[feed]
    source = Source(
        owner_org_id=demo.org_ids[org_slug],
        author_id=demo.people.get(COORDINATORS.get(org_slug, "")),
        tlp=TLP.amber.value,
        name=name,
        kind=SourceKind.feed.value,
        url=demo.settings.public_url + feed_path(feed),
        language=language,
        every_seconds=POLL_SECONDS,
        created_at=now,
        next_poll_at=now,
    )
    session.add(source)
    session.flush()
    return source


def _articles(demo: DemoData, feed: str, now: dt.datetime) -> list[sources.Found]:
    found = []
    for slug, in_feed, language, hours, title, text in ARTICLES:
        if in_feed != feed:
            continue
        url = demo.settings.public_url + article_path(slug)
        content = Extracted(
            title=title,
            text=text,
            published_at=now - dt.timedelta(hours=hours),
            author="",
            language_hint=language,
        )
        found.append(sources.Found(url=url, key=sources.url_key(url), content=content))
    return found


def _watches(session: Session, demo: DemoData, org_slug: str) -> None:
    org_id = demo.org_ids[org_slug]
    author = demo.people.get(COORDINATORS.get(org_slug, ""))
    for site_name, aliases in SITE_ALIASES.items():
        site = demo_site(session=session, name=site_name, owner_org_id=org_id)
        if site is None:
            continue
        session.add(
            Watch(
                owner_org_id=org_id,
                author_id=author,
                kind=WatchKind.site.value,
                value=f"{ALIAS_SEPARATOR} ".join(aliases),
                site_id=site.id,
            )
        )
    session.add_all(
        Watch(owner_org_id=org_id, author_id=author, kind=WatchKind.term.value, value=term)
        for term in TERM_WATCHES.get(org_slug, ())
    )


def load_monitoring(session: Session, demo: DemoData) -> None:
    """The demo organisations' sources, watches and articles; nothing when loaded before."""
    loaded = session.scalar(select(Source.id).where(Source.url.contains(f"{PREFIX}/")).limit(1))
    if loaded is not None:
        return
    now = utcnow()
    for org_slug, feeds in ORG_FEEDS.items():
        if org_slug not in demo.org_ids:
            continue
        _watches(session, demo, org_slug)
        for feed in feeds:
            source = _source(session, demo, org_slug, feed, now)
            sources.store_articles(session, source, _articles(demo, feed, now))
