"""Hebrew pages in a real browser (Debian's Chromium through Playwright): `dir="rtl"`, the
navigation and start-aligned text on the right, a Latin place name isolated inside a Hebrew
site name, the map geographic with its controls moved to the right, and a public page that
does not scroll sideways on a phone (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.orgs.factories import PASSWORD, make_org, make_person
from tests.sites.factories import acting, make_site
from vigil.core.config import Settings
from vigil.core.policy import Role

pytestmark = pytest.mark.browser

WIDE = 1280
MAP_MS = 15_000
SITE_NAME = "בית הכנסת ברחוב Rykestrasse"


@dataclass
class World:
    url: str
    org_slug: str
    email: str
    site_id: int


# Layout and the manifest do not depend on the database; these run on SQLite only.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def world(settings: Settings, committed: Session) -> Iterator[World]:
    org = make_org(committed)
    org.accepts_public_reports = True
    person = make_person(committed, settings, org=org, role=Role.coordinator)
    site = make_site(committed, acting(committed, person, org), name=SITE_NAME, city="Berlin")
    committed.commit()
    with serve(settings) as url:
        yield World(url=url, org_slug=org.slug, email=person.email, site_id=site.id)


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def _text_box(page: Page, selector: str) -> dict[str, float]:
    """Where the text itself is drawn (not its block, which is as wide as the column)."""
    box: dict[str, float] = page.eval_on_selector(
        selector,
        "el => { const r = document.createRange(); r.selectNodeContents(el);"
        " const b = r.getBoundingClientRect(); return {x: b.x, width: b.width}; }",
    )
    return box


def test_signed_in_pages_in_hebrew_run_right_to_left(page: Page, world: World) -> None:
    page.set_viewport_size({"width": WIDE, "height": 900})
    page.goto(world.url + "/login")
    page.get_by_label("E-mail address", exact=True).fill(world.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form button.button-primary[type=submit]").click()
    page.wait_for_url(world.url + "/")

    page.goto(f"{world.url}/sites/{world.site_id}?lang=he")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "he"
    nav, main = _box(page, "nav.nav-wide"), _box(page, "main")
    assert nav["x"] > main["x"] + main["width"] - 1, "the navigation is not on the right"
    assert nav["x"] + nav["width"] > WIDE * 0.75
    # The heading starts on the right: its text ends at the right of the main column.
    heading = _text_box(page, "main h1")
    assert abs(heading["x"] + heading["width"] - (main["x"] + main["width"])) < 24
    # The site's name is isolated; the Latin street inside reads left to right after it.
    name = page.locator("main h1 bdi")
    assert name.get_attribute("dir") == "rtl" and name.inner_text() == SITE_NAME
    hebrew = page.locator("main h1").evaluate(
        "h => { const r = document.createRange(); const t = h.querySelector('bdi').firstChild;"
        " const i = t.data.indexOf('Rykestrasse');"
        " r.setStart(t, 0); r.setEnd(t, 4); const he = r.getBoundingClientRect();"
        " r.setStart(t, i); r.setEnd(t, i + 4); const la = r.getBoundingClientRect();"
        " r.setStart(t, i + 7); r.setEnd(t, i + 11); const end = r.getBoundingClientRect();"
        " return [he.x, la.x, end.x]; }"
    )
    first_hebrew, latin_start, latin_end = hebrew
    assert first_hebrew > latin_end > latin_start, "Hebrew first on the right, Latin inside LTR"
    # The map stays geographic (west on the left) but its zoom buttons move to the right.
    page.locator("#site-map.leaflet-container").wait_for()
    zoom, map_box = _box(page, "#site-map .leaflet-control-zoom"), _box(page, "#site-map")
    assert zoom["x"] > map_box["x"] + map_box["width"] / 2
    assert _box(page, "#site-map .leaflet-control-attribution")["x"] < map_box["x"] + 50

    page.goto(f"{world.url}/sites?lang=he")
    assert page.locator("html").get_attribute("dir") == "rtl"
    cell, table = _box(page, "table tbody th"), _box(page, "table")
    assert cell["x"] + cell["width"] > table["x"] + table["width"] - 2, "first column not right"

    page.goto(f"{world.url}/sites?lang=en")
    assert page.locator("html").get_attribute("dir") == "ltr"
    nav, main = _box(page, "nav.nav-wide"), _box(page, "main")
    assert nav["x"] + nav["width"] < main["x"] + 1


def test_a_public_page_in_hebrew_runs_right_to_left_on_a_phone(page: Page, world: World) -> None:
    page.goto(f"{world.url}/report/{world.org_slug}?lang=he")
    assert page.locator("html").get_attribute("dir") == "rtl"
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the Hebrew form scrolls sideways ({width} px)"
    brand, main = _box(page, ".brand"), _box(page, "main")
    assert brand["x"] > PHONE_WIDTH / 2, "the brand is not at the start (right)"
    label = _text_box(page, "main form label")
    assert label["x"] + label["width"] > main["x"] + main["width"] - 24
    honeypot = _box(page, "input[name=website]")
    assert honeypot["x"] >= PHONE_WIDTH, "the honeypot is visible"
    # The language switcher offers each language in its own script and direction.
    assert page.locator(".language-switcher a[lang=he]").get_attribute("aria-current") == "true"
