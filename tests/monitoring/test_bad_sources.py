"""Sources that misbehave get a clear status and cost nobody else anything: a page robots.txt
disallows is not read, a redirect loop and a 100 MB page stop early, a feed that is not XML or
is an entity bomb is refused, and a slow source times out while another is polled as usual."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.html import db_rows
from tests.monitoring.conftest import Desk
from tests.monitoring.news_server import NewsServer, Route, article_page, news_server
from tests.monitoring.test_sources import add, articles, poll, publish, rss
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.monitoring import DOMAIN
from vigil.monitoring.models import Source
from vigil.worker import run_worker

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>"""


def failing(client: TestClient, desk: Desk, source_id: int) -> str:
    result = poll(client, desk, source_id)
    assert result["new_articles"] == 0
    assert result["source"]["health"] == "failing"
    assert result["source"]["last_error"] == result["error"] != ""
    return str(result["error"])


def test_robots_txt_is_honoured(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer
) -> None:
    publish(site, ["private", "public"])
    site.routes["/robots.txt"] = Route(
        b"User-agent: Vigil-monitoring\nDisallow: /news/private\n", kind="text/plain"
    )
    site.routes["/feed.xml"] = Route(rss(site, ["private", "public"]))
    source = add(client, desks[0], url=f"{site.url}/feed.xml")
    blocked = add(client, desks[0], url=f"{site.url}/news/private", kind="url")

    assert poll(client, desks[0], source["id"])["new_articles"] == 2
    error = failing(client, desks[0], blocked["id"])

    assert "disallowed" in error and "robots.txt" in error
    assert "/news/private" not in site.paths()  # its text came from the feed, not the page
    assert site.paths().count("/robots.txt") == 1  # kept for the host, not read per request


def test_a_redirect_loop_stops_with_a_clear_error(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer
) -> None:
    site.routes["/a"] = Route(redirect="/b")
    site.routes["/b"] = Route(redirect="/a")
    source = add(client, desks[0], url=f"{site.url}/a", kind="url")

    error = failing(client, desks[0], source["id"])

    assert error.startswith("redirect loop:") and error.count("->") == 2
    assert site.paths().count("/a") == 1


def test_a_100_mb_page_is_cut_off_at_the_cap_quickly(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer, settings: Settings
) -> None:
    site.routes["/huge"] = Route(huge=True)
    source = add(client, desks[0], url=f"{site.url}/huge", kind="url")

    began = time.monotonic()
    error = failing(client, desks[0], source["id"])

    assert time.monotonic() - began < 5
    assert "larger than 1,048,576 bytes" in error and "cut off" in error
    assert articles(settings) == []


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"<html><body>Not a feed</body></html", "not well-formed XML"),
        (b"<html><body>Not a feed</body></html>", "not an RSS 2.0 or Atom feed"),
        (BILLION_LAUGHS, "declares entities"),
    ],
)
def test_a_feed_that_is_not_a_feed_is_refused(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer, body: bytes, said: str
) -> None:
    site.routes["/feed.xml"] = Route(body, kind="application/rss+xml")
    source = add(client, desks[0], url=f"{site.url}/feed.xml")

    assert said in failing(client, desks[0], source["id"])


def test_a_page_in_a_language_vigil_does_not_read_is_kept_unread_not_failed(
    client: TestClient, settings: Settings, desks: tuple[Desk, Desk], site: NewsServer
) -> None:
    paragraphs = [
        "A városi tanács hétfőn új parkolási rendet fogadott el a belvárosban.",
        "A lakók szerint a változás megkönnyíti a reggeli forgalmat a hidak környékén.",
    ]
    site.routes["/hirek/parkolas"] = Route(article_page("Új parkolási rend", paragraphs, lang="hu"))
    source = add(client, desks[0], url=f"{site.url}/hirek/parkolas", kind="url")

    result = poll(client, desks[0], source["id"])

    assert result["new_articles"] == 1 and result["source"]["health"] == "ok"
    [article] = articles(settings)
    assert article.analysed_at is not None, "analysed like any other, not left for a retry"
    assert article.language == "" and article.story_id is not None
    signals = client.get("/api/v1/monitoring/signals", headers=desks[0].headers).json()["items"]
    assert signals == []


def test_a_slow_source_times_out_while_another_is_polled_as_usual(
    desks: tuple[Desk, Desk], site: NewsServer, settings: Settings, client: TestClient
) -> None:
    settings = settings.model_copy(
        update={"monitoring_timeout_seconds": 1.0, "monitoring_deadline_seconds": 2.0}
    )
    publish(site, ["fast"])
    site.routes["/feed.xml"] = Route(rss(site, ["fast"]))
    with news_server() as slow_site:
        slow_site.routes["/feed.xml"] = Route(b"<rss/>", slow_seconds=10)
        slow = add(client, desks[0], url=f"{slow_site.url}/feed.xml", name="Slow")
        fast = add(client, desks[0], url=f"{site.url}/feed.xml", name="Fast")

        began = time.monotonic()
        run_worker(settings, once=True, domains=[DOMAIN])  # claims both, queues two polls
        run_worker(settings, once=True, domains=[DOMAIN])
        took = time.monotonic() - began

    polled = {s.id: s for s in db_rows(settings, select(Source))}
    assert polled[fast["id"]].health == "ok" and polled[fast["id"]].article_count == 1
    assert polled[slow["id"]].health == "failing"
    assert "did not answer within" in polled[slow["id"]].last_error
    assert took < settings.monitoring_deadline_seconds + 4
    assert polled[slow["id"]].next_poll_at > polled[fast["id"]].next_poll_at  # it backs off


def test_a_failing_source_waits_longer_each_time(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer, settings: Settings
) -> None:
    site.routes["/feed.xml"] = Route(b"down", status=503)
    source = add(client, desks[0], url=f"{site.url}/feed.xml", every_seconds=60)
    waits = []
    for _ in range(3):
        result = poll(client, desks[0], source["id"])
        assert "HTTP 503" in result["error"]
        with transaction(settings.sqlalchemy_url) as session:
            found = session.get(Source, source["id"])
            assert found is not None and found.last_poll_at is not None
            waits.append((found.next_poll_at - found.last_poll_at).total_seconds())
    assert waits[0] < waits[1] < waits[2] and waits[0] >= 60
