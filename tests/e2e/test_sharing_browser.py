"""Sharing in a real browser on a phone-sized screen (375 px), served on loopback: a coordinator
changes the organisation's sharing profile on /sharing, then opens the STIX preview on an
incident page, which now carries the narrative. No sideways scrolling (the long JSON wraps
inside its box), no request leaving loopback, no console error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.orgs.factories import PASSWORD, make_org, make_person
from tests.sharing.taxii_world import add_incident
from vigil.core.config import Settings
from vigil.core.policy import TLP, Role

pytestmark = pytest.mark.browser

NARRATIVE = "Two men put up stickers at night."


@dataclass
class Served:
    url: str
    coordinator_email: str
    incident_id: int


@pytest.fixture
def served(settings: Settings, committed: Session) -> Iterator[Served]:
    org = make_org(committed)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    incident = add_incident(committed, org, TLP.amber, "Stickers at the community centre's door")
    committed.commit()
    with serve(settings) as url:
        yield Served(url=url, coordinator_email=coordinator.email, incident_id=incident.id)


def _fits_a_phone(page: Page, what: str) -> None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} scrolls sideways ({width} px)"


def test_a_coordinator_changes_the_profile_and_previews_the_stix_on_a_phone(
    page: Page, served: Served
) -> None:
    page.goto(served.url + "/sharing")
    page.get_by_label("E-mail address", exact=True).fill(served.coordinator_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(served.url + "/sharing")
    _fits_a_phone(page, "/sharing")
    assert page.locator("#taxii-root").inner_text().endswith("/taxii2/vigil/")

    page.get_by_label("Share the narrative of incidents").check()
    page.get_by_label("Bias motivation").uncheck()
    page.get_by_role("button", name="Save the sharing profile").click()
    page.wait_for_url(served.url + "/sharing")
    assert "The sharing profile is saved." in page.locator(".flash").inner_text()
    assert page.get_by_label("Share the narrative of incidents").is_checked()
    assert not page.get_by_label("Bias motivation").is_checked()
    _fits_a_phone(page, "/sharing after saving")

    page.goto(f"{served.url}/incidents/{served.incident_id}")
    preview = page.locator("#stix pre.stix-json")
    assert not preview.is_visible()  # collapsed until asked for
    page.locator("#stix summary").click()
    preview.wait_for(state="visible")
    bundle = json.loads(preview.inner_text())
    (incident,) = [o for o in bundle["objects"] if o["type"] == "incident"]
    assert incident["description"] == NARRATIVE
    box = preview.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE_WIDTH
    _fits_a_phone(page, "the incident page with its STIX preview open")
