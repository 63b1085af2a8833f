from playwright.sync_api import Page
from sqlalchemy.orm import Session
from tests.e2e.conftest import serve
from tests.orgs.factories import PASSWORD
from tests.reports.statistics_world import build_stats_world
from vigil.core.config import Settings
import pytest
pytestmark = pytest.mark.browser

def test_shot(page: Page, settings: Settings, committed: Session) -> None:
    w = build_stats_world(committed, settings)
    with serve(settings) as url:
        page.goto(url + "/login")
        page.get_by_label("E-mail address").fill(w.analyst)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(url + "/")
        page.goto(url + "/statistics")
        print("WIDTH", page.evaluate("document.documentElement.scrollWidth"))
        page.screenshot(path="/tmp/stats375.png", full_page=True)
        page.goto(url + "/statistics?grain=week")
        print("WIDTH", page.evaluate("document.documentElement.scrollWidth"))
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(url + "/statistics")
        page.screenshot(path="/tmp/stats1280.png", full_page=True)
