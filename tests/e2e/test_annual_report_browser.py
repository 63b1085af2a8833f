"""The annual report builder in a real browser (Debian's Chromium through Playwright) on a
phone-sized screen: a coordinator signs in, starts a report, writes a section that htmx saves
on its own, reloads and finds it, publishes, and opens the public page without signing in.
Any request leaving loopback and any console error (e.g. a CSP violation) fails the test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.orgs.factories import PASSWORD, make_org, make_person
from tests.reports.annual_world import incident
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.principals import load_principal

pytestmark = pytest.mark.browser


@dataclass
class Site:
    url: str
    org_slug: str
    coordinator_email: str


@pytest.fixture
def site(settings: Settings, committed: Session) -> Iterator[Site]:
    """Vigil on loopback: an organisation, its coordinator, two verified incidents last year."""
    org = make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    principal = load_principal(committed, person_id=coordinator.id)
    assert principal is not None
    year = dt.date.today().year - 1
    for month in (2, 9):
        incident(committed, settings, principal, local=dt.datetime(year, month, 3, 10))
    committed.commit()
    with serve(settings) as url:
        yield Site(url=url, org_slug=org.slug, coordinator_email=coordinator.email)


def _fits_a_phone(page: Page, what: str) -> None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} scrolls sideways ({width} px)"


def test_coordinator_builds_and_publishes_the_annual_report(page: Page, site: Site) -> None:
    page.goto(site.url + "/login")
    page.get_by_label("E-mail address", exact=True).fill(site.coordinator_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url + "/")

    page.goto(site.url + "/annual-reports")
    page.get_by_label("Title").fill("Our incidents report")
    page.get_by_role("button", name="Start the report").click()
    page.wait_for_url(f"{site.url}/annual-reports/*")
    builder = page.url
    _fits_a_phone(page, "the builder")

    page.get_by_label("Foreword").fill("A year in which threats doubled.")
    form = page.locator("#section-foreword")
    form.get_by_role("button", name="Save this section").click()
    page.locator("#section-foreword .annual-saved", has_text="Saved as version 1").wait_for()
    assert page.url == builder  # saved in place, no page load

    page.reload()
    assert page.get_by_label("Foreword").input_value() == "A year in which threats doubled."
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(builder)
    public = page.get_by_role("link", name=f"/published/{site.org_slug}/our-incidents-report")
    public.wait_for()

    page.context.clear_cookies()
    page.goto(f"{site.url}/published/{site.org_slug}/our-incidents-report")
    assert "TLP:CLEAR" in page.locator("main").inner_text()
    assert page.locator("[data-figure=total]").inner_text() == "2"
    assert "A year in which threats doubled." in page.locator("main").inner_text()
    _fits_a_phone(page, "the published report")
