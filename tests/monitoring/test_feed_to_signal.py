"""The whole way from a watched feed on loopback to a signal in the inbox: the worker polls the
feed, stores the article, analyses it and raises the signal in one pass, and only the
organisation that reads the feed sees it. How long that takes is measured by
bench/monitoring.py (feed_to_signal_s), not asserted here."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.monitoring import articles
from tests.monitoring.conftest import Desk
from tests.monitoring.news_server import NewsServer, Route, article_page
from tests.monitoring.test_sources import rss
from vigil.core.config import Settings
from vigil.worker import run_worker


def test_a_new_article_in_a_watched_feed_is_a_signal_after_one_worker_pass(
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

    run_worker(settings, once=True)

    [signal] = client.get("/api/v1/monitoring/signals", headers=ours.headers).json()["items"]
    assert signal["site_id"] == made.json()["id"]
    assert {"label": "watch:site", "term": articles.SITE_NAME, "where": ""} in signal["reasons"]
    assert signal["incident_type"] == "damage" and signal["score"] >= 0.5
    assert client.get("/api/v1/monitoring/signals", headers=theirs.headers).json()["items"] == []
