"""An authority's CAP message imported in a real browser on a phone: its area is only codes, so
the draft asks for one; the coordinator taps the map (the centre fills in), gives the radius,
sees the circle, and sends. The draft, with every language as received, fits 375 px.
Any request leaving loopback and any console error (e.g. a CSP violation) fails the test."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.alerts import cap_documents as docs
from tests.alerts.factories import VIENNA, build_world
from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.orgs.factories import PASSWORD
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.orgs.models import Person

pytestmark = pytest.mark.browser

CODES = "".join(
    f"<geocode><valueName>warncell</valueName><value>{811000000 + n}</value></geocode>"
    for n in range(12)
)


def _fits_a_phone(page: Page, what: str) -> None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} scrolls sideways ({width} px)"


def test_imported_area_of_codes_is_drawn_on_the_map_then_sent(
    page: Page, settings: Settings, tmp_path: Path
) -> None:
    world = build_world(settings, sites=3, contacts=1, site_tlp="green")
    with transaction(settings.sqlalchemy_url) as session:
        person = session.get(Person, world.coordinator_id)
        assert person is not None
        email = person.email
    area = f"<areaDesc>Wien und Umgebung (Warnzellen des Wetterdienstes)</areaDesc>{CODES}"
    english = docs.Info(language="en-US", headline="Bomb threat in Vienna", area=area)
    document = tmp_path / "warning.cap"
    document.write_bytes(
        docs.document(infos=[docs.Info(area=area), english], signature=docs.SIGNATURE)
    )
    with serve(settings) as url:
        page.goto(url + "/alerts/import")
        page.get_by_label("E-mail address", exact=True).fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(url + "/alerts/import")
        page.get_by_label("CAP file (XML)").set_input_files(str(document))
        page.get_by_role("button", name="Import").click()
        page.wait_for_url(f"{url}/alerts/*")
        draft = urlsplit(page.url).path
        assert "draw or pick the area" in page.locator("#relay-needs-area").inner_text()
        page.locator("#received summary").click()
        assert page.locator("#received section").count() == 2
        page.locator("#alert-map.map-ready").wait_for()
        _fits_a_phone(page, "the imported draft")
        page.screenshot(path=str(tmp_path / "draft.png"), full_page=True)

        page.locator("#alert-map").click()
        assert page.get_by_label("Latitude").input_value() != ""
        page.get_by_label("Latitude").fill(str(VIENNA[0]))
        page.get_by_label("Longitude").fill(str(VIENNA[1]))
        page.get_by_label("Radius (km)").fill("3")
        page.get_by_label("Radius (km)").dispatch_event("change")
        page.locator("#alert-map path.alert-area").wait_for()
        page.get_by_role("button", name="Review and send").click()
        page.get_by_role("button", name="Confirm: send the alert").click()
        page.wait_for_url(url + draft)
        assert "The alert is sent" in page.locator(".flash").inner_text()
        assert page.locator("#relay-needs-area").count() == 0
        page.screenshot(path=str(tmp_path / "sent.png"), full_page=True)
