"""The demo's monitoring: each demo organisation reads invented outlets in seven languages that
Vigil itself serves over loopback; the articles are stored and queued for analysis at load, and
a poll of the same feeds, as the worker does it, finds exactly those articles and nothing new.
Loading twice adds nothing; the feeds do not answer before the demo is loaded."""

from __future__ import annotations

import json

import httpx
from defusedxml import ElementTree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.e2e.conftest import serve
from tests.orgs.factories import make_org
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.domains import DemoData
from vigil.core.jobs import Job
from vigil.core.policy import SYSTEM
from vigil.monitoring import polling
from vigil.monitoring.demo import load_monitoring
from vigil.monitoring.demo_articles import ARTICLES, ORG_FEEDS
from vigil.monitoring.models import Article, Source


def _counts(settings: Settings) -> tuple[int, int, list[int]]:
    with transaction(settings.sqlalchemy_url) as session:
        sources = session.scalar(select(func.count(Source.id))) or 0
        articles = list(session.scalars(select(Article.id).order_by(Article.id)))
        queued = [
            article_id
            for payload in session.scalars(
                select(Job.payload).where(Job.kind == "monitoring.analyse_articles")
            )
            for article_id in json.loads(payload)["article_ids"]
        ]
    return sources, len(articles), sorted(queued)


def test_the_demo_feeds_serve_what_the_demo_stored(committed: Session, settings: Settings) -> None:
    org_ids = {slug: make_org(committed).id for slug in ORG_FEEDS}
    committed.commit()
    with serve(settings) as url:
        assert httpx.get(f"{url}/monitoring/demo-feed/europe-wire.xml").status_code == 404
        demo = DemoData(settings=settings.model_copy(update={"base_url": url}), org_ids=org_ids)
        with transaction(settings.sqlalchemy_url) as session:
            load_monitoring(session, demo)
        sources, articles, queued = _counts(settings)
        feeds = [feed for org in ORG_FEEDS.values() for feed in org]
        expected = sum(1 for feed in feeds for a in ARTICLES if a[1] == feed)
        assert (sources, articles) == (len(feeds), expected)
        assert queued == list(range(queued[0], queued[0] + expected))
        with transaction(settings.sqlalchemy_url) as session:
            load_monitoring(session, demo)
        assert _counts(settings) == (sources, articles, queued)

        with transaction(settings.sqlalchemy_url) as session:
            berlin = session.scalars(
                select(Source.id).where(Source.owner_org_id == org_ids["jcs-berlin"])
            ).all()
            languages = set(session.scalars(select(Source.language).where(Source.id.in_(berlin))))
            assert languages == {"de", "en", "fr", "pl", "he", "nl"}
            for source_id in berlin:
                polled = polling.poll_source(
                    session=session, principal=SYSTEM, settings=settings, source_id=source_id
                )
                assert polled.error == "", polled.error
                assert (polled.new_articles, polled.source.health) == (0, "ok")
                stored = set(
                    session.scalars(select(Article.url).where(Article.source_id == source_id))
                )
                feed = ElementTree.fromstring(httpx.get(polled.source.url).content)
                assert {link.text for link in feed.iter("link")} - {polled.source.url} == stored
        page = httpx.get(f"{url}/monitoring/demo-feed/articles/letters-rykestrasse.html")
        assert "Synagogue Rykestrasse" in page.text
        assert httpx.get(f"{url}/monitoring/demo-feed/nowhere.xml").status_code == 404
