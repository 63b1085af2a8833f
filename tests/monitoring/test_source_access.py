"""Who sees and manages an organisation's sources (AMBER by default: its own members, not an
unrelated organisation, through the API and the pages), article text emptied after the
retention period by the worker and `vigil monitoring purge`, a poll killed after it wrote taken
again without doubling anything, and the command line."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from tests.html import html, sign_in, submit
from tests.monitoring.conftest import Desk
from tests.monitoring.news_server import NewsServer, Route
from tests.monitoring.test_sources import API, add, articles, publish, rss, run_jobs
from vigil.cli import app as cli_app
from vigil.core import jobs
from vigil.core.config import Settings, get_settings
from vigil.core.db import transaction, utcnow
from vigil.monitoring import DOMAIN, polling
from vigil.monitoring.models import Article, Source
from vigil.ops import DOMAIN as OPS
from vigil.worker import run_worker


def test_another_organisation_cannot_see_or_change_an_amber_source(
    client: TestClient, desks: tuple[Desk, Desk]
) -> None:
    mine, theirs = desks
    source = add(client, mine, url="https://news.example.org/feed", name="Our local paper")
    assert source["tlp"] == "amber" and source["may_manage"]

    assert client.get(API, headers=theirs.headers).json()["items"] == []
    for method, path in [
        ("GET", f"{API}/{source['id']}"),
        ("PATCH", f"{API}/{source['id']}"),
        ("DELETE", f"{API}/{source['id']}"),
        ("POST", f"{API}/{source['id']}/poll"),
    ]:
        answer = client.request(method, path, headers=theirs.headers, json={"name": "x"})
        assert answer.status_code == 404, (method, path, answer.text)

    sign_in(client, theirs.email)
    assert "Our local paper" not in client.get("/monitoring/sources").text
    assert client.get(f"/monitoring/sources/{source['id']}").status_code == 404
    sign_in(client, mine.email)
    page = html(client.get("/monitoring/sources"))
    row = page.find("tr", data_source=str(source["id"]))
    assert "Our local paper" in row.text and "not polled yet" in row.text


def test_a_source_is_added_polled_and_uploaded_to_on_the_pages(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer, settings: Settings
) -> None:
    publish(site, ["one"])
    site.routes["/feed.xml"] = Route(rss(site, ["one"]))
    sign_in(client, desks[0].email)
    added = submit(
        client,
        "/monitoring/sources",
        "/monitoring/sources",
        {"name": "Paper", "kind": "feed", "url": f"{site.url}/feed.xml", "every_seconds": "900"},
    )
    assert added.status_code == 303, added.text
    source_path = added.headers["location"]

    polled = submit(client, source_path, f"{source_path}/poll", {})
    assert polled.status_code == 303
    run_jobs(settings)
    page = html(client.get(source_path))
    assert page.find("dd", class_="source-health").text == "ok"
    token = page.find("input", name="csrf_token").attrs["value"]
    uploaded = client.post(
        f"{source_path}/uploads",
        data={"csrf_token": token},
        files=[
            ("files", ("a.html", b"<html><body><p>Hello there.</p></body></html>", "text/html"))
        ],
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    assert len(articles(settings)) == 2
    refused = submit(
        client, "/monitoring/sources", "/monitoring/sources", {"name": "x", "url": "ftp://x"}
    )
    assert refused.status_code == 422 and "http or https" in refused.text


def test_article_text_is_emptied_after_the_retention_period(
    client: TestClient, desks: tuple[Desk, Desk], settings: Settings
) -> None:
    source = add(client, desks[0], kind="upload")
    for name in ("old.html", "new.html"):
        page = f"<html><body><p>Text of {name} about the synagogue.</p></body></html>".encode()
        client.post(
            f"{API}/{source['id']}/uploads",
            files=[("files", (name, page, "text/html"))],
            headers=desks[0].headers,
        )
    with transaction(settings.sqlalchemy_url) as session:
        session.execute(
            update(Article)
            .where(Article.title == "old.html")
            .values(fetched_at=utcnow() - dt.timedelta(days=settings.monitoring_text_days + 1))
        )

    run_worker(settings, once=True, domains=[DOMAIN, OPS])

    kept = {a.title: a for a in articles(settings)}
    assert kept["old.html"].text == "" and kept["old.html"].text_purged_at is not None
    assert "new.html" in kept["new.html"].text and kept["new.html"].text_purged_at is None
    assert kept["old.html"].url_key and kept["old.html"].fetched_at  # metadata stays


def test_a_poll_killed_after_it_wrote_is_taken_again_and_doubles_nothing(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer, settings: Settings
) -> None:
    publish(site, ["one", "two"])
    site.routes["/feed.xml"] = Route(rss(site, ["one", "two"]))
    source = add(client, desks[0], url=f"{site.url}/feed.xml")
    with transaction(settings.sqlalchemy_url) as session:
        polling.poll_due_sources(session, settings)
    with transaction(settings.sqlalchemy_url) as session:  # a worker takes the job...
        (job,) = jobs.claim(session, worker="doomed", lease_seconds=60)
    with transaction(settings.sqlalchemy_url) as session:  # ...writes the poll, and dies
        polling.poll_source_job(session, job.payload, settings)
    with transaction(settings.sqlalchemy_url) as session:  # its lease runs out
        session.execute(
            update(jobs.Job)
            .where(jobs.Job.id == job.id)
            .values(leased_until=utcnow() - dt.timedelta(seconds=1))
        )

    run_worker(settings, once=True, domains=[DOMAIN])

    with transaction(settings.sqlalchemy_url) as session:
        retried = session.get(jobs.Job, job.id)
        assert retried is not None and (retried.status, retried.attempts) == ("done", 2)
        found = session.get(Source, source["id"])
        assert found is not None and found.article_count == 2
    assert len(articles(settings)) == 2


def test_the_command_line_adds_lists_polls_removes_and_purges(
    desks: tuple[Desk, Desk], site: NewsServer, settings: Settings
) -> None:
    publish(site, ["one"])
    site.routes["/feed.xml"] = Route(rss(site, ["one"]))
    env = {
        "VIGIL_ENV": "test",
        "VIGIL_DATABASE_URL": settings.sqlalchemy_url,
        "VIGIL_DATA_DIR": str(settings.data_dir),
        "VIGIL_SECRET_KEY": settings.secret_key,
        "VIGIL_AUDIT_KEY": settings.audit_key,
        "VIGIL_WEBHOOK_ALLOW_PRIVATE": "true",
        "VIGIL_MONITORING_HOST_INTERVAL_SECONDS": "0",
    }

    def vigil(*args: str) -> str:
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(cli_app, list(args), env=env)
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        return result.output

    said = vigil(
        "monitoring", "sources", "add", f"{site.url}/feed.xml",
        "--org", str(desks[0].org_id), "--by", desks[0].email, "--name", "Paper",
    )  # fmt: skip
    source_id = said.split(":")[0].split()[-1]
    assert "1 new articles" in vigil("monitoring", "sources", "poll", source_id)
    assert "Paper" in vigil("monitoring", "sources", "list")
    assert "text of 0 articles emptied" in vigil("monitoring", "purge")
    assert f"source {source_id} removed" in vigil("monitoring", "sources", "remove", source_id)
    with transaction(settings.sqlalchemy_url) as session:
        assert session.scalars(select(Source)).all() == []
