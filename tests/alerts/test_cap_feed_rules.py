"""A subscription's rule relays only what matches (severity, area reaching the organisation's
sites, sender), as the coordinator who set it and audited as by the rule; another
organisation sees neither the subscriptions nor their drafts; bad input says what is wrong;
the page and the command line add, change, poll and remove, every change audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.alerts import cap_documents as docs
from tests.alerts.cap_feeds import FeedEntry, FeedServer, feed_server
from tests.alerts.conftest import Desk
from tests.alerts.test_cap_feeds import SENDER, poll, sign_in_desk, subscribe
from tests.html import db_rows, html, sign_in, submit
from tests.orgs.factories import make_org, make_person, token_headers
from tests.test_cli import Vigil, _env
from vigil.alerts.models import Alert, CapFeed, Delivery
from vigil.app import create_app
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.policy import Role
from vigil.orgs.models import Person

LISBON = "<areaDesc>Lisboa</areaDesc><circle>38.72,-9.14 5</circle>"


@pytest.fixture
def authority() -> Iterator[FeedServer]:
    with feed_server() as found:
        yield found


def four_alerts(authority: FeedServer) -> None:
    authority.entries = [
        FeedEntry("match", docs.document(identifier="AT-M")),
        FeedEntry("minor", docs.document(identifier="AT-N", infos=[docs.Info(severity="Minor")])),
        FeedEntry("stranger", docs.document(identifier="AT-S", sender="info@other.example")),
        FeedEntry("lisbon", docs.document(identifier="AT-L", infos=[docs.Info(area=LISBON)])),
    ]


def test_the_rule_relays_only_what_matches_severity_area_and_sender(
    client: TestClient, settings: Settings, desk: Desk, authority: FeedServer
) -> None:
    four_alerts(authority)
    feed = subscribe(
        client,
        desk,
        authority.feed_url,
        auto_relay=True,
        min_severity="Severe",
        area="sites",
        senders=[SENDER.upper()],
    )

    result = poll(client, desk, feed["id"])

    assert (result["imported"], result["relayed"]) == (4, 1)
    items = {i["reference"].split(",")[1]: i for i in result["feed"]["items"]}
    assert items["AT-M"]["outcome"] == "relayed"
    assert "below Severe" in items["AT-N"]["detail"]
    assert "info@other.example is not one the rule relays" in items["AT-S"]["detail"]
    assert "reaches none of the sites" in items["AT-L"]["detail"]
    for code, item in items.items():
        (state,) = db_rows(settings, select(Alert.state).where(Alert.id == item["alert_id"]))
        assert state == ("sent" if code == "AT-M" else "draft"), code
    deliveries = db_rows(settings, select(Delivery.alert_id))
    assert deliveries and set(deliveries) == {items["AT-M"]["alert_id"]}
    relays = db_rows(
        settings,
        select(AuditEntry).where(AuditEntry.action == "alert.feed.relay").order_by(AuditEntry.id),
    )
    assert [r.target_id for r in relays] == [str(items["AT-M"]["alert_id"])]
    assert relays[0].actor_id == desk.person_id and "CAP feed BMI Warnungen" in relays[0].actor
    rule = json.loads(relays[0].detail)["rule"]
    assert rule == {"min_severity": "Severe", "area": "sites", "senders": [SENDER]}
    (send,) = db_rows(settings, select(AuditEntry).where(AuditEntry.action == "alert.send"))
    assert "rule of" in send.actor


def test_without_a_rule_everything_waits_as_a_draft(
    client: TestClient, settings: Settings, desk: Desk, authority: FeedServer
) -> None:
    four_alerts(authority)
    feed = subscribe(client, desk, authority.feed_url, min_severity="Minor")

    result = poll(client, desk, feed["id"])

    assert (result["imported"], result["relayed"]) == (4, 0)
    assert set(db_rows(settings, select(Alert.state))) == {"draft"}
    assert db_rows(settings, select(Delivery.id)) == []


def other_coordinator(settings: Settings) -> tuple[dict[str, str], str]:
    with transaction(settings.sqlalchemy_url) as session:
        org = make_org(session)
        person = make_person(session, settings, org=org, role=Role.coordinator)
        return token_headers(session, person, org), person.email


def test_another_organisation_sees_neither_the_subscriptions_nor_their_drafts(
    client: TestClient, settings: Settings, desk: Desk, authority: FeedServer
) -> None:
    four_alerts(authority)
    feed = subscribe(client, desk, authority.feed_url)
    result = poll(client, desk, feed["id"])
    draft_id = result["feed"]["items"][0]["alert_id"]
    theirs, email = other_coordinator(settings)

    assert client.get("/api/v1/alerts/feeds", headers=theirs).json() == []
    path = f"/api/v1/alerts/feeds/{feed['id']}"
    body = {"name": "taken over", "url": authority.feed_url}
    assert client.get(path, headers=theirs).status_code == 404
    assert client.put(path, json=body, headers=theirs).status_code == 404
    assert client.post(f"{path}/poll", headers=theirs).status_code == 404
    assert client.delete(path, headers=theirs).status_code == 404
    assert client.get(f"/api/v1/alerts/{draft_id}", headers=theirs).status_code == 404
    listed = client.get("/api/v1/alerts", headers=theirs).json()["items"]
    assert draft_id not in [a["id"] for a in listed]
    sign_in(client, email)
    assert client.get(f"/alerts/feeds/{feed['id']}").status_code == 404
    assert client.get(f"/alerts/{draft_id}").status_code == 404
    page = html(client.get("/alerts/feeds"))
    assert page.find_all(id="feeds") == []
    assert db_rows(settings, select(CapFeed.name)) == ["BMI Warnungen"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"url": "ftp://example.org/feed"}, "url", "https://"),
        ({"url": "warnungen"}, "url", "https://"),
        ({"every_seconds": 5}, "every_seconds", "greater than or equal to 60"),
        ({"min_severity": "Huge"}, "min_severity", "Extreme"),
        ({"area": "nowhere"}, "area", "sites"),
        ({"name": " "}, "name", "at least 1 character"),
    ],
)
def test_bad_input_is_refused_with_what_is_wrong(
    client: TestClient, desk: Desk, change: dict[str, Any], field: str, words: str
) -> None:
    body = {"name": "Feed", "url": "http://127.0.0.1:9/feed.atom", **change}
    response = client.post("/api/v1/alerts/feeds", json=body, headers=desk.headers)
    assert response.status_code == 422, response.text
    assert field in response.text and words in response.text


def test_a_private_address_and_a_second_subscription_to_a_feed_are_refused(
    settings: Settings, desk: Desk, authority: FeedServer
) -> None:
    strict = settings.model_copy(update={"webhook_allow_private": False})
    with TestClient(create_app(strict)) as guarded:
        body = {"name": "Feed", "url": authority.feed_url}
        response = guarded.post("/api/v1/alerts/feeds", json=body, headers=desk.headers)
        assert response.status_code == 422
        assert "not a public address" in response.json()["errors"][0]["message"]
    with TestClient(create_app(settings)) as client:
        subscribe(client, desk, authority.feed_url)
        again = client.post("/api/v1/alerts/feeds", json=body, headers=desk.headers)
        assert again.status_code == 422
        assert "already subscribes to this feed (BMI Warnungen)" in again.text


def test_the_page_adds_changes_polls_and_removes_a_subscription_each_change_audited(
    client: TestClient, settings: Settings, desk: Desk, authority: FeedServer
) -> None:
    four_alerts(authority)
    sign_in_desk(client, desk)
    form = {"name": "Partner", "url": "feed", "every_minutes": "5", "area": "any"}
    refused = submit(client, "/alerts/feeds", "/alerts/feeds", {**form, "enabled": "yes"})
    assert refused.status_code == 422
    assert "https://" in html(refused).find(class_="flash-error").text
    added = submit(client, "/alerts/feeds", "/alerts/feeds", {**form, "url": authority.feed_url})
    assert added.status_code == 303
    path = added.headers["location"]
    changed = {**form, "url": authority.feed_url, "auto_relay": "yes", "min_severity": "Severe"}
    assert submit(client, path, path, {**changed, "enabled": "yes"}).status_code == 303
    polled = submit(client, path, f"{path}/poll", {})
    assert polled.status_code == 303
    page = html(client.get(path))
    assert len(page.find(id="feed-items").find_all("li")) == 4
    assert len(page.find_all("li", class_="feed-item-relayed")) == 3  # all but the Minor one
    assert submit(client, path, f"{path}/remove", {}).status_code == 303
    assert db_rows(settings, select(CapFeed.id)) == []
    assert len(db_rows(settings, select(Alert.id))) == 4  # what it brought stays
    actions = db_rows(
        settings, select(AuditEntry.action).where(AuditEntry.target_type == "alert_cap_feeds")
    )
    assert actions == ["alert.feed.add", "alert.feed.change", "alert.feed.remove"]


def test_the_command_line_adds_lists_polls_and_removes(
    settings: Settings, desk: Desk, authority: FeedServer
) -> None:
    four_alerts(authority)
    with transaction(settings.sqlalchemy_url) as session:
        person = session.get(Person, desk.person_id)
        assert person is not None
        email = person.email
    vigil = Vigil(_env(settings.sqlalchemy_url, settings.data_dir))
    vigil.env["VIGIL_WEBHOOK_ALLOW_PRIVATE"] = "true"

    added = vigil(
        "alerts",
        "feeds",
        "add",
        authority.feed_url,
        "--org",
        str(desk.org_id),
        "--by",
        email,
        "--name",
        "BMI",
        "--min-severity",
        "Severe",
    )
    assert added.exit_code == 0, added.output
    feed_id = added.output.split()[1].rstrip(":")
    polled = vigil("alerts", "feeds", "poll", feed_id)
    assert polled.exit_code == 0, polled.output
    assert "4 imported, 0 relayed" in polled.output
    listed = vigil("alerts", "feeds", "list")
    assert "BMI" in listed.output and "4 imported" in listed.output
    nobody = vigil(
        "alerts",
        "feeds",
        "add",
        "http://x.example/f",
        "--org",
        str(desk.org_id),
        "--by",
        "nobody@example.org",
    )
    assert nobody.exit_code == 2 and "nobody@example.org" in nobody.output
    assert vigil("alerts", "feeds", "remove", feed_id).exit_code == 0
    assert vigil("alerts", "feeds", "list").output.strip() == ""
    actors = db_rows(
        settings, select(AuditEntry.actor).where(AuditEntry.action == "alert.feed.remove")
    )
    assert actors == ["system"]
