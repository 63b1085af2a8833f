"""The monitoring inbox's pages: the organisation's signals with their reasons in words, one
signal with its articles and actions; org B sees none of A's; dismissing is audited; making an
incident lands on the incident with the signal it came from and its likely duplicates; an alert
composed from a signal starts from it and the signal links it; feedback per article."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.html import Node, flash_after, html, sign_in, submit
from tests.monitoring.factories import make_signal
from tests.monitoring.inbox_world import InboxWorld, build_inbox_world
from vigil.core.audit import AuditEntry
from vigil.core.config import Settings
from vigil.monitoring.models import Feedback, Signal


@pytest.fixture
def world(committed: Session, settings: Settings) -> InboxWorld:
    return build_inbox_world(committed, settings)


def _cards(page: Node) -> dict[str, Node]:
    return {card.find("h2").text: card for card in page.find_all("article", class_="signal-item")}


def _signal(committed: Session, signal_id: int) -> Signal:
    committed.rollback()
    found = committed.get(Signal, signal_id)
    assert found is not None
    return found


def test_the_inbox_shows_the_signals_in_words_and_only_to_their_organisation(
    client: TestClient, world: InboxWorld
) -> None:
    sign_in(client, world.coordinator_email)
    page = html(client.get("/monitoring"))
    assert page.find("a", href="/monitoring").text == "Monitoring"  # the main menu
    cards = _cards(page)
    assert list(cards) == [
        "Threatening letters sent to a Berlin synagogue",
        "Antisemitic stickers around the City Temple",
    ]
    first = cards["Threatening letters sent to a Berlin synagogue"].text
    assert "Names the watched site “Synagogue Rykestrasse”" in first
    assert "anzugreifen ” in the text · threat" in first
    assert "German, English" in first and "2 articles" in first
    assert "Synagogue Rykestrasse" in first and "Threat" in first
    banner = page.find("p", class_="signal-banner")
    assert "1 high-score signal waits" in banner.text
    assert "1 high-score signal waits" in html(client.get("/")).find(class_="signal-banner").text

    client.cookies.clear()
    sign_in(client, world.other_email)
    assert _cards(html(client.get("/monitoring"))) == {}
    assert client.get(f"/monitoring/signals/{world.site_signal}").status_code == 404
    assert client.get("/monitoring?status=soon").status_code == 422


def test_the_signal_page_lists_articles_and_actions_for_coordinators_only(
    client: TestClient, world: InboxWorld
) -> None:
    sign_in(client, world.viewer_email)
    page = html(client.get(f"/monitoring/signals/{world.site_signal}"))
    articles = page.find_all("li", class_="article-item")
    assert [a.find("h3").text for a in articles] == [
        "Drohbriefe an die Synagoge Rykestraße",
        "Berlin synagogue receives threatening letters",
    ]
    assert articles[0].find("a").attrs["href"].startswith("http://127.0.0.1:9/articles/")
    assert "German" in articles[0].find("p", class_="meta").text
    assert page.find_all("section", class_="signal-actions") == []
    assert page.find_all("form", class_="feedback-form") == []

    client.cookies.clear()
    sign_in(client, world.coordinator_email)
    page = html(client.get(f"/monitoring/signals/{world.site_signal}"))
    actions = page.find("section", class_="signal-actions").text
    for label in ("Make incident", "Compose alert", "Mark relevant", "Dismiss"):
        assert label in actions


def test_dismissing_from_the_page_is_audited(
    client: TestClient, committed: Session, world: InboxWorld
) -> None:
    sign_in(client, world.coordinator_email)
    path = f"/monitoring/signals/{world.place_signal}"
    done = submit(client, path, f"{path}/decision", {"status": "dismissed"})
    assert done.headers["location"] == "/monitoring"
    assert "The signal is dismissed." in flash_after(client, done).text
    assert _signal(committed, world.place_signal).status == "dismissed"
    actions = committed.scalars(
        select(AuditEntry.action).where(
            AuditEntry.target_type == "monitoring_signals",
            AuditEntry.target_id == str(world.place_signal),
        )
    )
    assert list(actions) == ["monitoring.signal.dismissed"]
    refused = submit(client, path, f"{path}/decision", {"status": "later"})
    assert refused.status_code == 422
    assert "choose dismissed or relevant" in html(refused).find(role="alert").text


def test_make_incident_lands_on_it_with_the_signal_and_likely_duplicates(
    client: TestClient, committed: Session, settings: Settings, world: InboxWorld
) -> None:
    earlier = client.post(
        f"/api/v1/monitoring/signals/{world.site_signal}/incident", headers=world.a
    ).json()["incident_id"]
    org_id = _signal(committed, world.site_signal).owner_org_id
    again = make_signal(committed, org_id, site_id=world.site_id, hours_ago=2)
    committed.commit()

    sign_in(client, world.coordinator_email)
    path = f"/monitoring/signals/{again.id}"
    made = submit(client, path, f"{path}/incident", {})
    assert made.status_code == 303, made.text
    incident_id = _signal(committed, again.id).incident_id
    assert made.headers["location"] == f"/incidents/{incident_id}"
    page = flash_after(client, made)
    assert f"Incident #{incident_id} is made from the signal" in page.text
    part = page.find("section", class_="from-signal")
    assert part.find("a", href=path).text == f"monitoring signal #{again.id}"
    suggested = part.find("li", class_="duplicate")
    assert suggested.find("a").attrs["href"] == f"/incidents/{earlier}"
    assert suggested.find("input", name="target_id").attrs["value"] == str(earlier)
    assert "Open-source monitoring" in page.text  # the report's source


def test_an_alert_composed_from_a_signal_starts_from_it_and_links_it(
    client: TestClient, committed: Session, world: InboxWorld
) -> None:
    sign_in(client, world.coordinator_email)
    form = html(client.get(f"/alerts/new?signal_id={world.site_signal}")).find("form", id="compose")
    values = {
        node.attrs["name"]: node.attrs.get("value", "")
        for node in form.find_all("input")
        if node.attrs.get("type") not in ("checkbox", "radio") and node.attrs.get("name")
    }
    assert values["signal_id"] == str(world.site_signal)
    assert values["headline"] == "Threatening letters sent to a Berlin synagogue"
    assert (values["circle_lat"], values["circle_lon"]) == ("52.5384", "13.42")
    assert f"About monitoring signal #{world.site_signal}" in form.text
    values |= {"urgency": "Expected", "severity": "Moderate", "certainty": "Likely",
               "status": "Actual", "step": "send"}  # fmt: skip
    sent = submit(client, "/alerts/new", "/alerts/new", values)
    assert sent.status_code == 303, sent.text
    alert_id = int(sent.headers["location"].rsplit("/", 1)[1])
    signal = _signal(committed, world.site_signal)
    assert (signal.status, signal.alert_id) == ("alert", alert_id)
    page = html(client.get(f"/monitoring/signals/{world.site_signal}"))
    assert page.find("a", href=f"/alerts/{alert_id}").text == f"#{alert_id}"


def test_feedback_on_an_article_from_the_page(
    client: TestClient, committed: Session, world: InboxWorld
) -> None:
    sign_in(client, world.coordinator_email)
    path = f"/monitoring/signals/{world.site_signal}"
    article = world.article_ids[1]
    action = f"{path}/articles/{article}/feedback"
    missing = submit(client, path, action, {"verdict": "wrong_type", "incident_type": ""})
    assert missing.status_code == 422
    done = submit(client, path, action, {"verdict": "not_relevant", "incident_type": ""})
    page = flash_after(client, done)
    assert "Your feedback: Not relevant" in page.find("li", id=f"article-{article}").text
    committed.rollback()
    assert [f.verdict for f in committed.scalars(select(Feedback))] == ["not_relevant"]
