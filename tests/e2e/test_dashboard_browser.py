"""The dashboard on a phone in a real browser: the "now" cards fit 375 px without sideways
scrolling, and a report filed while the page is open appears in the triage card when the cards
refresh (the browser's clock is run forward to the refresh, not waited for)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy.orm import Session

from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.home.world import add_report, make_world
from tests.orgs.factories import PASSWORD
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.home.pages import REFRESH_SECONDS
from vigil.orgs.models import Organisation, Person

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def test_the_dashboard_fits_a_phone_and_a_newadd_report_appears(
    page: Page, committed: Session, settings: Settings
) -> None:
    a, _ = make_world(committed, settings)
    with serve(settings) as url:
        page.clock.install()
        page.goto(url + "/login")
        page.get_by_label("E-mail address", exact=True).fill(a.coordinator.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(url + "/")
        triage = page.locator("section[aria-labelledby=now-triage]")
        assert triage.get_by_role("link").inner_text() == "2 reports wait"
        assert page.get_by_role("heading", level=2, name="What needs you now").is_visible()
        width: int = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"the dashboard scrolls sideways ({width} px)"

        with transaction(settings.sqlalchemy_url) as session:
            reporter = session.get_one(Person, a.reporter.id)
            add_report(session, settings, reporter, session.get_one(Organisation, a.org.id), 0)
        # Each step of the installed clock past the refresh period makes the cards poll again
        # (a live alert's event may have swapped them in just before, restarting the period).
        fresh = triage.get_by_role("link", name="3 reports wait")
        for _ in range(4):
            page.clock.run_for((REFRESH_SECONDS + 1) * 1000)
            try:
                fresh.wait_for(timeout=3_000)
                break
            except PlaywrightTimeout:
                continue
        assert fresh.is_visible(), "the refreshed card does not count the new report"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"the refreshed dashboard scrolls sideways ({width} px)"
