"""Monitoring sources read from a news site on loopback: RSS and Atom feeds, a listing page and
a single address become articles once (a second poll is a conditional GET answered 304), their
analysis is queued with them; uploads of pages and e-mails are stored once by content."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.html import db_rows
from tests.monitoring.conftest import Desk
from tests.monitoring.news_server import NewsServer, Route, article_page
from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.jobs import Job
from vigil.core.policy import SYSTEM
from vigil.monitoring import DOMAIN, polling
from vigil.monitoring.models import Article

API = "/api/v1/monitoring/sources"
PARAGRAPHS = [
    "Unknown people sprayed slogans on the wall of the synagogue on Main Street on Monday night.",
    "The police have opened an investigation and are asking witnesses to come forward.",
]


def rss(site: NewsServer, names: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{n} title</title><link>{site.url}/news/{n}?utm_source=rss</link>"
        f"<description>{n} summary</description>"
        f"<pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate></item>"
        for n in names
    )
    channel = f"<channel><title>News</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def atom(site: NewsServer, names: list[str]) -> bytes:
    entries = "".join(
        f"<entry><id>urn:{n}</id><title>{n} title</title>"
        f'<link rel="alternate" href="/news/{n}"/><updated>2026-03-02T10:00:00Z</updated>'
        f"<author><name>Desk</name></author></entry>"
        for n in names
    )
    return (
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>N</title>'
        f"{entries}</feed>"
    ).encode()


def publish(site: NewsServer, names: list[str]) -> None:
    for n in names:
        site.routes[f"/news/{n}"] = Route(
            article_page(f"{n} headline", PARAGRAPHS, author="Anna Schmidt")
        )


def add(client: TestClient, desk: Desk, **body: Any) -> dict[str, Any]:
    response = client.post(API, json={"name": "Local news", **body}, headers=desk.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def run_jobs(settings: Settings) -> None:
    """What the worker does with the queued jobs: the polls, then the analysis of what they
    brought."""
    jobs.register_handlers(DOMAIN.job_handlers())
    while jobs.run_due(settings):
        pass


def poll(client: TestClient, desk: Desk, source_id: int) -> dict[str, Any]:
    """ "Poll now", then the worker's run of it: the source after it, the articles it brought."""
    url = f"{API}/{source_id}"
    before = client.get(url, headers=desk.headers).json()["article_count"]
    response = client.post(f"{url}/poll", headers=desk.headers)
    assert response.status_code == 202, response.text
    run_jobs(client.app.state.settings)  # type: ignore[attr-defined]
    after = client.get(url, headers=desk.headers).json()
    return {
        "source": after,
        "new_articles": after["article_count"] - before,
        "error": after["last_error"],
    }


def articles(settings: Settings) -> list[Article]:
    return db_rows(settings, select(Article).order_by(Article.id))


def analysis_jobs(settings: Settings) -> list[list[int]]:
    found = db_rows(settings, select(Job).where(Job.kind == "monitoring.analyse_articles"))
    return [json.loads(job.payload)["article_ids"] for job in found]


def test_an_rss_feed_brings_its_articles_once_and_queues_their_analysis(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer, settings: Settings
) -> None:
    publish(site, ["one", "two"])
    site.routes["/feed.xml"] = Route(rss(site, ["one", "two"]), kind="application/rss+xml")
    source = add(client, desks[0], url=f"{site.url}/feed.xml")

    first = poll(client, desks[0], source["id"])
    second = poll(client, desks[0], source["id"])

    assert (first["new_articles"], first["error"]) == (2, "")
    assert (second["new_articles"], second["error"]) == (0, "")
    assert site.paths().count("/feed.xml") == 2
    feed_requests = [h for p, h in site.requests if p == "/feed.xml"]
    assert feed_requests[1].get("If-None-Match")  # the second poll was conditional (304)
    stored = articles(settings)
    assert [a.title for a in stored] == ["one headline", "two headline"]
    assert stored[0].author == "Anna Schmidt" and stored[0].published_at is not None
    assert "synagogue on Main Street" in stored[0].text and "Share on" not in stored[0].text
    assert stored[0].url.endswith("utm_source=rss") and len(stored[0].url_key) == 64
    assert analysis_jobs(settings) == [[a.id for a in stored]]
    shown = client.get(f"{API}/{source['id']}", headers=desks[0].headers).json()
    assert (shown["health"], shown["article_count"]) == ("ok", 2)


def test_an_atom_feed_and_a_listing_page_and_a_single_address(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer, settings: Settings
) -> None:
    publish(site, ["a1", "a2", "l1", "l2", "single"])
    site.routes["/atom"] = Route(atom(site, ["a1", "a2"]), kind="application/atom+xml")
    links = "".join(f'<a href="/news/{n}">{n}</a>' for n in ("l1", "l2"))
    site.routes["/latest"] = Route(
        f'<html><body><a href="/">Home</a>{links}<a href="https://elsewhere.example/x">x</a>'
        f"</body></html>".encode()
    )
    feed = add(client, desks[0], url=f"{site.url}/atom", kind="feed")
    listing = add(client, desks[0], url=f"{site.url}/latest", kind="listing")
    single = add(client, desks[0], url=f"{site.url}/news/single", kind="url")

    assert poll(client, desks[0], feed["id"])["new_articles"] == 2
    assert poll(client, desks[0], listing["id"])["new_articles"] == 2
    assert poll(client, desks[0], single["id"])["new_articles"] == 1
    assert poll(client, desks[0], single["id"])["new_articles"] == 0

    titles = {a.title for a in articles(settings)}
    assert titles == {f"{n} headline" for n in ("a1", "a2", "l1", "l2", "single")}
    assert "/" not in [p for p in site.paths() if p == "/"]  # the front page is not an article


EML = b"""From: Press Office <press@police.example>
Subject: Arrest after attack on synagogue
Date: Mon, 02 Mar 2026 11:00:00 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Police arrested two men on Monday after paint was thrown at the synagogue on Main Street.
"""


def test_uploaded_pages_and_emails_are_stored_once_by_content(
    client: TestClient, desks: tuple[Desk, Desk], settings: Settings
) -> None:
    source = add(client, desks[0], kind="upload")
    page = article_page("Uploaded page", PARAGRAPHS)
    files = [
        ("files", ("page.html", page, "text/html")),
        ("files", ("release.eml", EML, "message/rfc822")),
    ]

    first = client.post(f"{API}/{source['id']}/uploads", files=files, headers=desks[0].headers)
    again = client.post(f"{API}/{source['id']}/uploads", files=files, headers=desks[0].headers)
    wrong = client.post(
        f"{API}/{source['id']}/uploads",
        files=[("files", ("notes.pdf", b"%PDF", "application/pdf"))],
        headers=desks[0].headers,
    )

    assert first.status_code == 201, first.text
    assert (first.json()["new_articles"], again.json()["new_articles"]) == (2, 0)
    assert again.json()["known"] == 2
    assert wrong.status_code == 422 and "notes.pdf" in wrong.text
    stored = {a.title: a for a in articles(settings)}
    email = stored["Arrest after attack on synagogue"]
    assert email.author == "Press Office" and "paint was thrown" in email.text
    assert "synagogue on Main Street" in stored["Uploaded page"].text
    assert analysis_jobs(settings) == [first.json()["article_ids"]]


def test_a_source_needs_a_coordinator_and_a_web_address(
    client: TestClient, desks: tuple[Desk, Desk]
) -> None:
    refused = client.post(
        API, json={"name": "x", "url": "file:///etc/passwd"}, headers=desks[0].headers
    )
    assert refused.status_code == 422 and "http or https" in refused.text
    uploads = add(client, desks[0], kind="upload")
    not_fetched = client.post(f"{API}/{uploads['id']}/poll", headers=desks[0].headers)
    assert not_fetched.status_code == 422 and "never fetched" in not_fetched.text
    source = add(client, desks[0], url="https://news.example.org/feed")
    changed = client.patch(
        f"{API}/{source['id']}", json={"enabled": False}, headers=desks[0].headers
    )
    assert changed.json()["health"] == "disabled"
    assert client.delete(f"{API}/{source['id']}", headers=desks[0].headers).status_code == 204


def test_articles_left_over_by_the_cap_are_read_by_the_next_poll(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer, settings: Settings
) -> None:
    names = ["one", "two", "three"]
    publish(site, names)
    site.routes["/feed.xml"] = Route(rss(site, names))
    source = add(client, desks[0], url=f"{site.url}/feed.xml")
    capped = settings.model_copy(update={"monitoring_links_per_poll": 2})

    brought = []
    for _ in range(3):
        with transaction(capped.sqlalchemy_url) as session:
            result = polling.poll_source(
                session=session, principal=SYSTEM, settings=capped, source_id=source["id"]
            )
        brought.append(result.new_articles)

    assert brought == [2, 1, 0]
    conditional = [bool(h.get("If-None-Match")) for p, h in site.requests if p == "/feed.xml"]
    assert conditional == [False, False, True]  # no ETag kept while articles were left over
    assert len(articles(settings)) == 3
