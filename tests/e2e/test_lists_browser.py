"""The list pages and form pages in real Chromium: the filter panel is open on a 1280 px screen
and closed on a 375 px phone (which does not scroll sideways, sort links included), a column
header sorts by keyboard, a saved filter becomes a link, and on each form page one Tab and Enter
from the top put the focus on the form's first field. Requests leaving loopback and console
errors fail the test (the `page` fixture)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.orgs.factories import PASSWORD, make_org, make_person
from tests.sites.factories import acting, make_site
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.incidents.transfer import bulk_insert_incidents

pytestmark = pytest.mark.browser

WIDE = 1280
LISTS = ("/incidents", "/sites", "/alerts")
# Form pages and the id of the field a person fills in first.
FORMS = {
    "/incidents/report": "f-title",
    "/sites/new": "f-name",
    "/alerts/new": "f-event",
    "/notices/new": "f-title",
}


@pytest.fixture
def served(settings: Settings, committed: Session) -> Iterator[tuple[str, str]]:
    org = make_org(committed)
    person = make_person(committed, settings, org=org, role=Role.coordinator)
    principal = acting(committed, person, org)
    for n in range(3):
        make_site(committed, principal, name=f"Synagogue {n}", capacity=100 * (n + 1))
    bulk_insert_incidents(
        session=committed,
        rows=[
            {"owner_org_id": org.id, "title": f"Stickers at gate {n}", "type": "literature",
             "source": "member", "status": "triaged", "tlp": "green", "city": "Berlin",
             "country": "DE", "occurred_from": dt.datetime.now(dt.UTC) - dt.timedelta(days=n)}
            for n in range(3)
        ],
    )  # fmt: skip
    committed.commit()
    with serve(settings) as url:
        yield url, person.email


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + "/")


def test_filters_open_on_a_wide_screen_and_closed_on_a_phone(
    page: Page, served: tuple[str, str]
) -> None:
    url, email = served
    _sign_in(page, url, email)
    for path in LISTS:
        page.goto(url + path)
        assert page.locator("details.filters").evaluate("d => d.open") is False, path
        width: int = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{path} scrolls sideways ({width} px)"
    page.set_viewport_size({"width": WIDE, "height": 900})
    for path in LISTS:
        page.goto(url + path)
        assert page.locator("details.filters").evaluate("d => d.open") is True, path


def test_sort_by_keyboard_and_save_the_filters(page: Page, served: tuple[str, str]) -> None:
    url, email = served
    page.set_viewport_size({"width": WIDE, "height": 900})
    _sign_in(page, url, email)
    page.goto(url + "/sites")

    page.get_by_role("link", name="Capacity").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/sites?sort=capacity&dir=asc")
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Capacity")
    page.get_by_role("link", name="Capacity").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/sites?sort=capacity&dir=desc")
    first = page.locator("table.site-table tbody tr").first
    assert first.locator("a").inner_text() == "Synagogue 2"

    page.get_by_label("Save these filters as").fill("Biggest first")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("link", name="Biggest first").wait_for()
    page.goto(url + "/sites")  # bare: the last sort comes back, and says so
    page.locator(".remembered-note").wait_for()
    assert page.locator("table.site-table tbody tr a").first.inner_text() == "Synagogue 2"


def test_one_tab_and_enter_reach_the_forms_first_field(page: Page, served: tuple[str, str]) -> None:
    url, email = served
    _sign_in(page, url, email)
    for path, field_id in FORMS.items():
        page.goto(url + path)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to the form", path
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == field_id, path
