"""Alerts in a real browser: a coordinator composes an alert on the map and sees how many sites
and people it reaches, then checks and confirms its summary; a member's open page shows the
banner within seconds without reload; the member answers "we need help", and the coordinator's
board puts the site on top by itself; a Test alert's banner says TEST.
Any request leaving loopback and any console error (e.g. a CSP violation) fails the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.alerts.factories import VIENNA, World, build_world, send
from tests.e2e.conftest import LOOPBACK, PHONE_WIDTH, serve
from tests.orgs.factories import PASSWORD
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.orgs.models import Person

pytestmark = pytest.mark.browser

BANNER_MS = 3_000  # the banner must appear this soon after sending (the stream polls at 0.25 s)


def _email(settings: Settings, person_id: int) -> str:
    with transaction(settings.sqlalchemy_url) as session:
        person = session.get(Person, person_id)
        assert person is not None
        return person.email


def _sign_in(page: Page, url: str, email: str, then: str) -> None:
    page.goto(url + then)
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + then)


def _fits_a_phone(page: Page, what: str) -> None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} scrolls sideways ({width} px)"


@pytest.fixture
def coordinator_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 900})
    errors: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            errors.append(f"left loopback: {route.request.url}")
            route.abort()

    context.route("**/*", only_loopback)
    opened = context.new_page()
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield opened
    context.close()
    assert errors == []


@pytest.fixture
def world(settings: Settings) -> World:
    return build_world(settings, sites=3, contacts=2, site_tlp="green")


def test_compose_banner_acknowledge_board(
    page: Page, coordinator_page: Page, settings: Settings, world: World, tmp_path: Path
) -> None:
    with serve(settings) as url:
        member = page
        _sign_in(member, url, _email(settings, world.member_id), "/alerts")
        member.evaluate("window.vigilNotReloaded = true")
        assert member.locator("#alert-banner").is_hidden()

        coordinator = coordinator_page
        _sign_in(coordinator, url, _email(settings, world.coordinator_id), "/alerts/new")
        coordinator.locator("#alert-map.map-ready").wait_for()
        _fits_a_phone(coordinator, "/alerts/new")
        coordinator.get_by_label("What happened").fill("Armed attack")
        coordinator.get_by_label("Headline").fill("Shots fired near Stephansplatz")
        coordinator.get_by_label("What to do now").fill("Lock the doors and keep everyone inside.")
        coordinator.get_by_label("Area in words").fill("Vienna centre")
        coordinator.get_by_label("Latitude").fill(str(VIENNA[0]))
        coordinator.get_by_label("Longitude").fill(str(VIENNA[1]))
        coordinator.get_by_label("Radius (km)").fill("2")
        coordinator.get_by_label("Radius (km)").dispatch_event("change")
        preview = coordinator.locator("#preview .preview-count")
        preview.wait_for()
        coordinator.wait_for_function(
            "document.querySelector('#preview').textContent.includes('3 sites, 4 people')"
        )
        assert coordinator.locator("#alert-map path.alert-area").count() == 1
        # Nothing is preset: the browser will not submit until each one is chosen.
        for name in ("urgency", "severity", "certainty"):
            assert coordinator.locator(f"#f-{name}:invalid").count() == 1
        coordinator.get_by_label("Urgency").select_option("Immediate")
        coordinator.get_by_label("Severity").select_option("Extreme")
        coordinator.get_by_label("Certainty").select_option("Observed")
        coordinator.screenshot(path=str(tmp_path / "compose.png"), full_page=True)
        coordinator.get_by_role("button", name="Review and send").click()

        # The summary to confirm: nothing is sent until then, and going back loses nothing.
        summary = coordinator.locator("#summary")
        summary.wait_for()
        assert "a real alert" in summary.locator("#summary-status").inner_text()
        assert "3 sites, 4 people" in summary.locator("#summary-reach").inner_text()
        assert "extraordinary threat to life" in summary.locator("#summary-severity").inner_text()
        coordinator.locator("#alert-map.map-ready path.alert-area").wait_for()
        _fits_a_phone(coordinator, "the summary")
        coordinator.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
        assert member.locator("#alert-banner").is_hidden()
        coordinator.get_by_role("button", name="Back to edit").click()
        coordinator.get_by_label("Headline").wait_for()
        headline = coordinator.get_by_label("Headline").input_value()
        assert headline == "Shots fired near Stephansplatz"
        assert coordinator.get_by_label("Severity").input_value() == "Extreme"
        coordinator.get_by_role("button", name="Review and send").click()
        coordinator.get_by_role("button", name="Confirm: send the alert").click()
        coordinator.wait_for_url(f"{url}/alerts/*")
        alert_path = urlsplit(coordinator.url).path

        banner = member.locator("#alert-banner .alert-banner-item")
        banner.wait_for(timeout=BANNER_MS)
        assert "Shots fired near Stephansplatz" in banner.inner_text()
        assert member.evaluate("window.vigilNotReloaded") is True  # no reload
        _fits_a_phone(member, "the banner")
        member.screenshot(path=str(tmp_path / "banner.png"), full_page=True)

        banner.get_by_role("link", name="Open the alert").click()
        member.wait_for_url(url + alert_path)
        member.get_by_role("button", name="We need help").click()
        member.wait_for_url(url + alert_path)
        assert "Your answer is recorded" in member.locator(".flash").inner_text()

        # The coordinator's board refreshes itself: the site that needs help comes to the top.
        top = coordinator.locator("#board li.board-card").first
        top.locator("xpath=self::li[contains(@class, 'answer-need_help')]").wait_for(timeout=10_000)
        assert "We need help" in top.inner_text()
        _fits_a_phone(coordinator, "the board")
        # On the phone the board filters to the sites that need help, and a keyboard user's
        # place survives its reloads (every 2 s): htmx gives focus back to the same link.
        coordinator.locator("#board-show-need_help").click()
        coordinator.wait_for_url("**show=need_help*")
        cards = coordinator.locator("#board li.board-card")
        assert cards.count() == 1 and "We need help" in cards.first.inner_text()
        coordinator.locator("#board-show-all").focus()
        coordinator.wait_for_timeout(2_500)
        focused = coordinator.evaluate("document.activeElement && document.activeElement.id")
        assert focused == "board-show-all"
        assert (
            coordinator.locator("#board")
            .get_attribute("hx-get", timeout=1_000)
            .endswith("show=need_help")
        )
        coordinator.screenshot(path=str(tmp_path / "board.png"), full_page=True)

        # A Test alert is marked as one in the banner, in words.
        send(settings, world, status="Test", headline="Checking the alert chain")
        test_banner = member.locator("#alert-banner .alert-banner-item", has_text="alert chain")
        test_banner.wait_for(timeout=BANNER_MS)
        assert test_banner.locator(".status-mark").inner_text() == "TEST · not a real alert"
        _fits_a_phone(member, "the test banner")
        member.screenshot(path=str(tmp_path / "test-banner.png"), full_page=True)
        for opened in (member, coordinator):
            opened.goto("about:blank")  # pages close their event streams before the server stops
