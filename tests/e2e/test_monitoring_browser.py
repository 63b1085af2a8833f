"""The monitoring inbox in a real browser on a phone (375 px): a coordinator opens the inbox,
opens a signal, makes an incident from it and lands on the incident with the signal it came
from; back in the inbox, composes an alert from another signal, pre-filled from it, and sends
it. No page scrolls sideways; any request leaving loopback or console error fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.monitoring.inbox_world import build_inbox_world
from tests.orgs.factories import PASSWORD
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker
from vigil.monitoring.models import Signal

pytestmark = pytest.mark.browser


def _fits_a_phone(page: Page, what: str) -> None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} scrolls sideways ({width} px)"


def _signal(settings: Settings, signal_id: int) -> tuple[str, int | None, int | None]:
    with get_sessionmaker(settings.sqlalchemy_url)() as session:
        found = session.get(Signal, signal_id)
        assert found is not None
        return found.status, found.incident_id, found.alert_id


def test_a_coordinator_turns_signals_into_an_incident_and_an_alert(
    page: Page, committed: Session, settings: Settings, tmp_path: Path
) -> None:
    world = build_inbox_world(committed, settings)
    with serve(settings) as url:
        page.goto(url + "/monitoring")
        page.get_by_label("E-mail address", exact=True).fill(world.coordinator_email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(url + "/monitoring")
        assert "1 high-score signal waits" in page.locator(".signal-banner").inner_text()
        _fits_a_phone(page, "the inbox")
        page.screenshot(path=str(tmp_path / "inbox.png"), full_page=True)

        page.get_by_role("link", name="Threatening letters sent to a Berlin synagogue").click()
        page.wait_for_url(f"{url}/monitoring/signals/{world.site_signal}")
        assert page.locator(".article-item").count() == 2
        assert "Names the watched site" in page.locator("#reasons-heading + ul").inner_text()
        _fits_a_phone(page, "the signal page")
        page.get_by_role("button", name="Make incident").click()
        page.wait_for_url(f"{url}/incidents/*")
        incident_id = int(page.url.rsplit("/", 1)[1])
        section = page.locator("section.from-signal")
        assert f"monitoring signal #{world.site_signal}" in section.inner_text()
        _fits_a_phone(page, "the incident made from a signal")
        assert _signal(settings, world.site_signal) == ("incident", incident_id, None)

        page.goto(url + "/monitoring")
        page.get_by_role("link", name="Antisemitic stickers around the City Temple").click()
        page.get_by_role("link", name="Compose alert").click()
        page.wait_for_url(f"{url}/alerts/new?signal_id={world.place_signal}")
        headline = page.get_by_label("Headline").input_value()
        assert headline == "Antisemitic stickers around the City Temple"
        assert page.get_by_label("Latitude").input_value() == "48.2115"
        page.get_by_label("Urgency").select_option("Expected")
        page.get_by_label("Severity").select_option("Minor")
        page.get_by_label("Certainty").select_option("Observed")
        page.get_by_role("button", name="Review and send").click()
        page.get_by_role("button", name="Confirm: send the alert").click()
        page.wait_for_url(f"{url}/alerts/*")
        alert_id = int(page.url.rsplit("/", 1)[1])
        assert _signal(settings, world.place_signal) == ("alert", None, alert_id)

        page.goto(f"{url}/monitoring?status=all")
        assert page.locator(".signal-item").count() == 2
        _fits_a_phone(page, "the inbox, all signals")
