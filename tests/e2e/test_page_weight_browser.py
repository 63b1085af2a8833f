"""What a phone downloads for a map page (DECISIONS 36): the heaviest one, the alert compose map
with its sites in clusters, place names and drawing, stays under 300 KB on a first visit
(compressed assets, the coarse world borders), and the fine borders come only when the map is
zoomed in to a region. Bytes are counted on the wire through the DevTools protocol."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.alerts.factories import build_world
from tests.e2e.conftest import serve
from tests.e2e.test_alerts_browser import _email, _sign_in
from vigil.core.config import Settings

pytestmark = pytest.mark.browser
# Layout and bytes, not data: SQLite is enough.
BOTH_DATABASES = False
FIRST_LOAD_BUDGET = 300 * 1024


def _count_bytes(page: Page) -> dict[str, int]:
    """Bytes on the wire (headers and compressed bodies) per request of the page from now on."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}

    def finished(event: dict[str, Any]) -> None:
        sizes[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.loadingFinished", finished)
    return sizes


def test_map_pages_load_under_300_kb_and_refine_their_borders_when_zoomed_in(
    page: Page, settings: Settings
) -> None:
    world = build_world(settings, sites=3, contacts=1, site_tlp="green")
    with serve(settings) as url:
        _sign_in(page, url, _email(settings, world.coordinator_id), "/")
        sizes = _count_bytes(page)
        page.goto(url + "/alerts/new", wait_until="networkidle")
        element = page.locator("#alert-map[data-boundaries-drawn='true'][data-sites-drawn='3']")
        element.wait_for()
        assert sum(sizes.values()) < FIRST_LOAD_BUDGET, sum(sizes.values())
        assert element.get_attribute("data-boundaries-detail") is None

        # Zoomed in to a region, the fine borders replace the coarse ones.
        before = page.locator("#alert-map path.country").count()
        for _ in range(5):
            page.locator("#alert-map .leaflet-control-zoom-in").click()
            page.wait_for_timeout(300)
        page.locator("#alert-map[data-boundaries-detail='fine']").wait_for()
        assert page.locator("#alert-map path.country").count() > before
