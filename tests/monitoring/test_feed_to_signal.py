"""The whole way from a watched feed on loopback to a signal in the inbox: the worker polls the
feed, stores the article, analyses it and raises the signal, in well under the 5 s the issue
allows, and only the organisation that reads the feed sees it."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.monitoring import articles
from tests.monitoring.conftest import Desk
from tests.monitoring.news_server import NewsServer, Route, article_page
from tests.monitoring.test_sources import rss
from vigil.core.config import Settings
from vigil.monitoring.analysis import analyse
from vigil.monitoring.entities import EntityMatcher
from vigil.worker import run_worker

SIGNAL_SECONDS = 5.0


def test_a_new_article_in_a_watched_feed_is_a_signal_within_seconds(
    client: TestClient, settings: Settings, desks: tuple[Desk, Desk], site: NewsServer
) -> None:
    ours, theirs = desks
    lat, lon = articles.SITE_POINT
    made = client.post(
        "/api/v1/sites",
        headers=ours.headers,
        json={"name": articles.SITE_NAME, "type": "place_of_worship", "lat": lat, "lon": lon},
    )
    assert made.status_code == 201, made.text
    title, text = articles.GRAFFITI
    site.routes["/news/graffiti"] = Route(article_page(title, text.split(". ")))
    site.routes["/feed.xml"] = Route(rss(site, ["graffiti"]), kind="application/rss+xml")
    source = client.post(
        "/api/v1/monitoring/sources",
        headers=ours.headers,
        json={"name": "City news", "kind": "feed", "url": f"{site.url}/feed.xml"},
    )
    assert source.status_code == 201, source.text

    # The first analysis in a process loads the gazetteer's automaton, the language model and
    # the lexicons and lemmas of every language (seconds, once per worker process); the time asked
    # for is a running worker's.
    analyse(title=title, text=text, matcher=EntityMatcher.build(sites=[(0, "A", [], 0.0, 0.0)]))
    started = time.monotonic()
    run_worker(settings, once=True)
    took = time.monotonic() - started

    [signal] = client.get("/api/v1/monitoring/signals", headers=ours.headers).json()["items"]
    assert took < SIGNAL_SECONDS, f"feed to signal took {took:.1f} s"
    assert signal["site_id"] == made.json()["id"]
    assert {"label": "watch:site", "term": articles.SITE_NAME, "where": ""} in signal["reasons"]
    assert signal["incident_type"] == "damage" and signal["score"] >= 0.5
    assert client.get("/api/v1/monitoring/signals", headers=theirs.headers).json()["items"] == []
