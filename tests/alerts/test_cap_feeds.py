"""Subscribing to an authority's CAP Atom feed, served by a real HTTP server on loopback: new
messages arrive as drafts referencing their original and naming the feed, a second poll brings
nothing twice (conditional GET, and by sender, identifier and sent), a failing feed shows its
error and waits longer each time, and the worker's periodic task polls what is due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.alerts import cap_documents as docs
from tests.alerts.cap_feeds import FeedEntry, FeedServer, feed_server
from tests.alerts.conftest import Desk
from tests.html import db_rows, html, sign_in
from vigil.alerts import feed_polling
from vigil.alerts.cap import canonical_reference
from vigil.alerts.models import Alert, CapFeed
from vigil.core import jobs
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.orgs.models import Person

SENDER = "warnung@bmi.gv.example"


@pytest.fixture
def authority() -> Iterator[FeedServer]:
    with feed_server() as found:
        yield found


def subscribe(client: TestClient, desk: Desk, url: str, **rule: Any) -> dict[str, Any]:
    body = {"name": "BMI Warnungen", "url": url, **rule}
    response = client.post("/api/v1/alerts/feeds", json=body, headers=desk.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def poll(client: TestClient, desk: Desk, feed_id: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/alerts/feeds/{feed_id}/poll", headers=desk.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def two_alerts(authority: FeedServer) -> tuple[str, str]:
    """A CAP 1.2 alert linked from its entry and a CAP 1.1 one held in its entry."""
    sent = docs.soon(-1)
    authority.entries = [
        FeedEntry("linked", docs.document(identifier="AT-1", sent=sent)),
        FeedEntry(
            "inline", docs.document(version="1.1", identifier="AT-2", sent=sent), inline=True
        ),
    ]
    return tuple(canonical_reference(docs.reference(i, sent)) for i in ("AT-1", "AT-2"))  # type: ignore[return-value]


def test_new_alerts_arrive_as_drafts_that_reference_the_original_and_name_the_feed(
    client: TestClient, desk: Desk, authority: FeedServer
) -> None:
    linked, inline = two_alerts(authority)
    feed = subscribe(client, desk, authority.feed_url)

    result = poll(client, desk, feed["id"])

    assert (result["imported"], result["relayed"], result["error"]) == (2, 0, "")
    items = {item["reference"]: item for item in result["feed"]["items"]}
    assert set(items) == {linked, inline}
    for reference, item in items.items():
        alert = client.get(f"/api/v1/alerts/{item['alert_id']}", headers=desk.headers).json()
        assert alert["state"] == "draft"
        assert alert["origin"] == "imported"
        assert reference in alert["references"]
        assert alert["imported"]["source_reference"] == reference
        assert alert["imported"]["feed"]["name"] == "BMI Warnungen"
        assert alert["imported"]["feed"]["url"] == authority.feed_url
    assert items[linked]["document_url"] == f"{authority.url}/cap/linked.xml"
    assert items[inline]["document_url"] == ""
    sign_in_desk(client, desk)
    page = html(client.get(f"/alerts/{items[linked]['alert_id']}"))
    shown = page.find(id="alert-feed").text
    assert "BMI Warnungen" in shown and linked in shown
    actions = db_rows(settings_of(client), select(AuditEntry.action))
    assert actions.count("alert.import") == 2 and actions.count("alert.feed.import") == 2


def sign_in_desk(client: TestClient, desk: Desk) -> None:
    with transaction(settings_of(client).sqlalchemy_url) as session:
        person = session.get(Person, desk.person_id)
        assert person is not None
        email = person.email
    sign_in(client, email)


def settings_of(client: TestClient) -> Settings:
    found: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return found


def test_a_second_poll_imports_nothing_again(
    client: TestClient, desk: Desk, authority: FeedServer
) -> None:
    linked, _ = two_alerts(authority)
    feed = subscribe(client, desk, authority.feed_url)
    poll(client, desk, feed["id"])

    again = poll(client, desk, feed["id"])

    assert (again["imported"], again["known"], again["rejected"]) == (0, 0, 0)
    assert authority.headers_of("/feed.atom")[-1].get("If-None-Match")  # answered 304
    assert authority.paths().count("/cap/linked.xml") == 1
    # The same message under a new entry (a feed rebuilt, a mirror): fetched, never imported.
    first = authority.entries[0]
    authority.entries.append(FeedEntry("mirror", first.document))
    third = poll(client, desk, feed["id"])
    assert (third["imported"], third["known"]) == (0, 1)
    assert third["feed"]["items"][0]["reference"] == linked
    alerts = db_rows(settings_of(client), select(Alert.source_reference))
    assert sorted(alerts) == sorted({*alerts}) and len(alerts) == 2


def test_a_failing_feed_shows_its_error_and_waits_longer_each_time(
    client: TestClient, desk: Desk, authority: FeedServer
) -> None:
    two_alerts(authority)
    authority.fail_with = 503
    feed = subscribe(client, desk, authority.feed_url, every_seconds=60)

    first = poll(client, desk, feed["id"])
    second = poll(client, desk, feed["id"])

    assert "answered HTTP 503" in first["error"]
    assert second["feed"]["failures"] == 2
    waits = [
        dt.datetime.fromisoformat(r["feed"]["next_poll_at"])
        - dt.datetime.fromisoformat(r["feed"]["last_poll_at"])
        for r in (first, second)
    ]
    assert dt.timedelta(seconds=90) < waits[0] <= dt.timedelta(seconds=120)
    assert dt.timedelta(seconds=190) < waits[1] <= dt.timedelta(seconds=240)
    sign_in_desk(client, desk)
    listing = html(client.get("/alerts/feeds"))
    assert "answered HTTP 503" in listing.find(class_="feed-error").text
    page = html(client.get(f"/alerts/feeds/{feed['id']}"))
    assert "answered HTTP 503" in page.find(class_="feed-error").text

    authority.fail_with = None
    recovered = poll(client, desk, feed["id"])
    assert (recovered["imported"], recovered["error"], recovered["feed"]["failures"]) == (2, "", 0)
    assert recovered["feed"]["last_error"] == ""


def test_a_linked_document_that_fails_is_read_again_next_time(
    client: TestClient, desk: Desk, authority: FeedServer
) -> None:
    two_alerts(authority)
    authority.entries.append(FeedEntry("broken", b"<alert>not CAP</alert>"))
    late = docs.document(identifier="AT-3")
    authority.entries.append(FeedEntry("late", None))
    feed = subscribe(client, desk, authority.feed_url)

    result = poll(client, desk, feed["id"])

    assert (result["imported"], result["rejected"]) == (2, 1)
    assert "/cap/late.xml answered HTTP 404" in result["error"]
    broken = [i for i in result["feed"]["items"] if i["outcome"] == "rejected"]
    assert "root element" in broken[0]["detail"]
    authority.entries[-1].document = late
    again = poll(client, desk, feed["id"])
    assert (again["imported"], again["rejected"], again["error"]) == (1, 0, "")
    assert authority.headers_of("/feed.atom")[-1].get("If-None-Match") is None


def test_the_guard_refuses_private_addresses_and_feeds_over_the_size_cap(
    settings: Settings, desk: Desk, authority: FeedServer
) -> None:
    two_alerts(authority)
    with transaction(settings.sqlalchemy_url) as session:
        feed = CapFeed(
            org_id=desk.org_id, name="f", url=authority.feed_url, set_by_id=desk.person_id
        )
        session.add(feed)
    strict = settings.model_copy(update={"webhook_allow_private": False})
    small = settings.model_copy(update={"cap_feed_max_bytes": 200})
    errors = []
    for variant in (strict, small):
        with transaction(settings.sqlalchemy_url) as session:
            found = session.get(CapFeed, feed.id)
            assert found is not None
            feed_polling.record(
                session, variant, found, feed_polling.gather(session, variant, found)
            )
            errors.append(found.last_error)
    assert "127.0.0.1 is 127.0.0.1, not a public address" in errors[0]
    assert "more than 200 bytes" in errors[1]
    assert authority.paths() == ["/feed.atom"]  # the refused one was never called
    assert db_rows(settings, select(Alert.id)) == []


def test_the_worker_polls_the_feeds_that_are_due(
    client: TestClient, settings: Settings, desk: Desk, authority: FeedServer
) -> None:
    linked, inline = two_alerts(authority)
    due = subscribe(client, desk, authority.feed_url)
    with feed_server() as other:
        later = subscribe(client, desk, other.feed_url)
        with transaction(settings.sqlalchemy_url) as session:
            found = session.get(CapFeed, later["id"])
            assert found is not None
            found.next_poll_at = found.next_poll_at + dt.timedelta(hours=1)

        ran = jobs.run_periodic(settings, [feed_polling.CAP_FEEDS], worker="test", force=True)

        assert ran == 1
        assert other.paths() == []
    assert sorted(db_rows(settings, select(Alert.source_reference))) == sorted([linked, inline])
    polled = db_rows(settings, select(CapFeed).where(CapFeed.id == due["id"]))[0]
    assert polled.last_success_at is not None and polled.next_poll_at > polled.last_success_at
