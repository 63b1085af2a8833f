"""Feed to signal: how long a new article in a watched feed takes to be a signal in the inbox.

A news site on loopback (http.server in a thread) serves a feed and article pages. A fresh
database (SQLite, or PostgreSQL with --pg-url) is migrated. Each round is one organisation with a
coordinator, a watched site and a feed source on that site, so each round's article starts its
own story. The source is due at once (as a new source is; the default schedule forced); the
clock starts when the article appears in the feed and stops when the signal is readable through
`/api/v1/monitoring/signals`, the worker path between: `vigil.worker.run_worker(once=True)`
runs the periodic poll, the poll job (feed, page, extraction) and the analysis job.

The first round of the process is cold: it loads the language model, the lexicons, the lemmas
and the gazetteer's automaton, as a worker does once after it starts. The rounds after are a
running worker's (warm); their median is the figure.
"""

from __future__ import annotations

import contextlib
import html
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SITE_NAME = "Beth Shalom Synagogue"
SITE_POINT = (52.5070, 13.2846)
TITLE = "Swastika graffiti sprayed on Beth Shalom Synagogue"
PARAGRAPHS = [
    "Police in Berlin are investigating after antisemitic graffiti, including a swastika, was "
    "sprayed on the wall of the Beth Shalom Synagogue overnight.",
    "The community's security team found the damage at 6 a.m. on Tuesday and called the police. "
    "It is the third attack on a Jewish institution in the city this year.",
    "Community leaders said they were shocked and asked for more police patrols near the "
    "synagogue. The state security office has opened an investigation into the incident, and "
    "officers are reviewing footage from 14 cameras.",
]
WAIT_SECONDS = 30.0
EMPTY_FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>'


@dataclass
class Site:
    url: str = ""
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, path: str, body: bytes, kind: str = "text/html; charset=utf-8") -> None:
        with self.lock:
            self.pages[path] = (body, kind)


@contextlib.contextmanager
def news_site() -> Iterator[Site]:
    site = Site()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            with site.lock:
                found = site.pages.get(self.path.split("?", 1)[0])
            body, kind = found or (b"not here", "text/plain")
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def article_page() -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in PARAGRAPHS)
    return (
        f'<!doctype html><html lang="en"><head><title>{html.escape(TITLE)}</title></head><body>'
        f"<nav><a href='/'>Home</a></nav><article><h1>{html.escape(TITLE)}</h1>{body}"
        f"</article><footer>All rights reserved</footer></body></html>"
    ).encode()


def feed(site: Site, path: str) -> bytes:
    item = (
        f"<item><title>{html.escape(TITLE)}</title><link>{site.url}{path}</link>"
        f"<pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate></item>"
    )
    return EMPTY_FEED.replace(b"</channel>", item.encode() + b"</channel>")


def settings_for(url: str, data_dir: Path) -> Any:
    from vigil.core import audit
    from vigil.core.config import Settings
    from vigil.core.migrate import upgrade

    values: dict[str, Any] = {
        "env": "test",
        "data_dir": data_dir,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "secret_key": "bench-secret-key-which-is-long-enough-0123456789",
        "audit_key": "bench-audit-key-which-is-long-enough-0123456789",
        "log_level": "WARNING",
        "embedded_worker": False,
        # The site is on loopback; every round's source is on the same host, which a worker
        # would otherwise space out (politeness) — real sources are on different hosts.
        "webhook_allow_private": True,
        "monitoring_host_interval_seconds": 0.0,
        # A high signal e-mails the coordinators: written to DATA_DIR/mail, no server needed.
        "mail_backend": "directory",
    }
    if url:
        values["database_url"] = url
    settings = Settings(**values)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    audit.use_key(settings.sqlalchemy_url, settings.audit_key)
    upgrade(settings.sqlalchemy_url)
    return settings


def desk(settings: Any, round_: int) -> dict[str, str]:
    """A new organisation with a coordinator; its API headers."""
    from vigil.core.db import transaction
    from vigil.core.policy import SYSTEM, Role
    from vigil.orgs import accounts
    from vigil.orgs import service as orgs_service
    from vigil.orgs.models import OrgKind
    from vigil.orgs.principals import issue_api_token
    from vigil.orgs.schemas import OrganisationCreate

    with transaction(settings.sqlalchemy_url) as session:
        org = orgs_service.create_organisation(
            session=session,
            principal=SYSTEM,
            data=OrganisationCreate(
                slug=f"desk-{round_}",
                name=f"Desk {round_}",
                kind=OrgKind.community_security,
                country="DE",
            ),
        )
        person = accounts.create_person(
            session=session,
            settings=settings,
            email=f"desk{round_}@bench.example",
            name="Bench",
            password=uuid.uuid4().hex,
        )
        orgs_service.add_member(
            session=session, principal=SYSTEM, org_id=org.id, person=person, role=Role.coordinator
        )
        _, secret = issue_api_token(session, person_id=person.id, name="bench")
        return {"Authorization": f"Bearer {secret}", "X-Vigil-Org": str(org.id)}


def one_round(client: Any, settings: Any, site: Site, round_: int) -> float:
    from vigil.worker import run_worker

    headers = desk(settings, round_)
    lat, lon = SITE_POINT
    made = client.post(
        "/api/v1/sites",
        headers=headers,
        json={"name": SITE_NAME, "type": "place_of_worship", "lat": lat, "lon": lon},
    )
    assert made.status_code == 201, made.text
    feed_path, page_path = f"/{round_}/feed.xml", f"/{round_}/news/graffiti"
    site.put(feed_path, EMPTY_FEED, "application/rss+xml")
    source = client.post(
        "/api/v1/monitoring/sources",
        headers=headers,
        json={"name": f"City news {round_}", "kind": "feed", "url": f"{site.url}{feed_path}"},
    )
    assert source.status_code == 201, source.text
    site.put(page_path, article_page())
    site.put(feed_path, feed(site, page_path), "application/rss+xml")
    started = time.perf_counter()
    while time.perf_counter() - started < WAIT_SECONDS:
        run_worker(settings, once=True)
        items = client.get("/api/v1/monitoring/signals", headers=headers).json()["items"]
        if items:
            took = time.perf_counter() - started
            assert items[0]["site_id"] == made.json()["id"], items
            return took
    raise AssertionError(f"no signal within {WAIT_SECONDS} s in round {round_}")


def feed_to_signal(db: str, pg_url: str, rounds: int) -> dict[str, str]:
    """Cold (first in process) and warm (median of the rest) seconds from feed to signal."""
    import api as http_bench  # bench/api.py: databases
    from fastapi.testclient import TestClient

    from vigil.app import create_app
    from vigil.monitoring import fetching

    fetching.forget_hosts()
    work = Path(tempfile.mkdtemp(prefix="vigil-monitoring-"))
    with (
        http_bench.database(db, work / "data", pg_url) as (url, _),
        news_site() as site,
    ):
        settings = settings_for(url, work / "data")
        with TestClient(create_app(settings)) as client:
            took = [one_round(client, settings, site, n) for n in range(rounds)]
    warm = took[1:] or took
    return {
        "feed_to_signal_cold_s": f"{took[0]:.2f}",
        "feed_to_signal_max_s": f"{max(warm):.2f}",
        "feed_to_signal_s": f"{statistics.median(warm):.2f}",
    }
