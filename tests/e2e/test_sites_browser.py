"""Site pages in a real browser on a phone-sized screen (375 px), served on loopback: the list's
offline map, a site's page with its perimeter outlined and its contacts, and registering a site
by tapping the map. No sideways scrolling, no request leaving loopback, no console error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.orgs.factories import PASSWORD, make_org, make_person
from tests.sites.factories import BERLIN, acting, make_site, square
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.sites import service
from vigil.sites.schemas import ContactWrite

pytestmark = pytest.mark.browser

MAP_MS = 15_000


@dataclass
class Served:
    url: str
    analyst_email: str
    site_id: int


@pytest.fixture
def served(settings: Settings, committed: Session) -> Iterator[Served]:
    org = make_org(committed)
    analyst = make_person(committed, settings, org=org, role=Role.analyst)
    principal = acting(committed, analyst, org)
    site = make_site(
        committed,
        principal,
        name="New Synagogue Oranienburger Strasse, Berlin-Mitte",
        address="Oranienburger Str. 28-30",
        perimeter=square(*BERLIN),
        capacity=1200,
    )
    service.set_contacts(
        session=committed, principal=principal, settings=settings, site_id=site.id,
        contacts=[ContactWrite(name="Rina Levy-Goldberg", role="security lead",
                               email="rina.levy-goldberg@example.org", phone="+49 30 1234567")],
    )  # fmt: skip
    committed.commit()
    with serve(settings) as url:
        yield Served(url=url, analyst_email=analyst.email, site_id=site.id)


def _fits_a_phone(page: Page, what: str) -> None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} scrolls sideways ({width} px)"


def _map_is_drawn(page: Page, map_id: str) -> None:
    page.locator(f"#{map_id}[data-boundaries-drawn='true']").wait_for(timeout=MAP_MS)
    assert page.locator(f"#{map_id} path.country").count() > 100


def test_an_analyst_sees_and_registers_sites_on_a_phone(page: Page, served: Served) -> None:
    page.goto(served.url + "/sites")
    page.get_by_label("E-mail address", exact=True).fill(served.analyst_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(served.url + "/sites")
    _map_is_drawn(page, "sites-map")
    assert page.locator("#sites-map path.incident-marker").count() == 1
    _fits_a_phone(page, "/sites")

    page.locator("table.site-table tbody a").first.click()
    page.wait_for_url(f"{served.url}/sites/{served.site_id}")
    _map_is_drawn(page, "site-map")
    assert page.locator("#site-map path.perimeter").count() == 1
    assert "rina.levy-goldberg@example.org" in page.locator("#contacts").inner_text()
    _fits_a_phone(page, "the site page")
    page.get_by_text("Change the contacts").click()
    page.get_by_text("Add an event").click()
    _fits_a_phone(page, "the site page with its forms open")

    page.goto(served.url + "/sites/new")
    _map_is_drawn(page, "f-map")
    _fits_a_phone(page, "/sites/new")
    page.get_by_label("Name").fill("Community Centre Mitte")
    page.get_by_label("Type").select_option("community_centre")
    page.locator("#f-map").click()
    assert page.get_by_label("Latitude").input_value() != ""
    page.get_by_role("button", name="Register the site").click()
    page.wait_for_url(f"{served.url}/sites/*")
    assert page.locator("h1").inner_text() == "Community Centre Mitte"
    _fits_a_phone(page, "the new site's page")
