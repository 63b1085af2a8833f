"""Incident pages in a real browser (Debian's Chromium through Playwright) on a phone-sized
screen, against Vigil served by uvicorn on loopback: a member of the public files a report and
gets a receipt; a coordinator triages a report into an incident and finds it on the list and on
its page, each with an offline map (country boundaries and a marker) and no sideways scrolling.
Any request leaving loopback and any console error (e.g. a CSP violation) fails the test."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.orgs.factories import PASSWORD, make_org, make_person
from vigil.core.config import Settings
from vigil.core.policy import TLP, Role
from vigil.incidents import reports as reports_service
from vigil.incidents.schemas import Place, ReportCreate
from vigil.incidents.typology import Bias, IncidentType, Precision
from vigil.orgs import accounts
from vigil.orgs.models import OrgKind
from vigil.orgs.recipients import Recipients

pytestmark = pytest.mark.browser

MAP_SECONDS = 15_000  # ms, for the boundaries to be fetched and drawn


@dataclass
class Site:
    url: str
    org_slug: str
    coordinator_email: str
    report_title: str


@pytest.fixture
def site(settings: Settings, committed: Session) -> Iterator[Site]:
    """Vigil on a free loopback port: an organisation taking public reports, its coordinator,
    and one member's report waiting for triage, shared with the police (so that its card asks
    what attaching does with recipients)."""
    org = make_org(committed)
    police = make_org(committed, kind=OrgKind.police)
    org.name = "Jewish Community Security Berlin-Brandenburg"
    org.accepts_public_reports = True
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    reporter = make_person(committed, settings, org=org, role=Role.reporter)
    title = "Person filming the entrance of the synagogue on Oranienburger Strasse"
    reports_service.submit_report(
        session=committed,
        principal=replace(accounts.principal_for(committed, reporter.id), acting_org_id=org.id),
        data=ReportCreate(
            title=title,
            narrative="Filmed the entrance and the guards for twenty minutes, left when asked.",
            occurred_from=dt.datetime.now(dt.UTC) - dt.timedelta(hours=6),
            timezone="Europe/Berlin",
            place=Place(
                lat=52.5246, lon=13.3937, city="Berlin", country="DE", precision=Precision.exact
            ),
            type=IncidentType.hostile_reconnaissance,
            bias=[Bias.antisemitism],
            tlp=TLP.amber_strict,
            recipients=Recipients(organisation_ids=[police.id]),
        ),
        settings=settings,
    )
    committed.commit()
    with serve(settings) as url:
        yield Site(
            url=url,
            org_slug=org.slug,
            coordinator_email=coordinator.email,
            report_title=title,
        )


def _fits_a_phone(page: Page, what: str) -> None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} scrolls sideways ({width} px)"


def _map_is_drawn(page: Page, map_id: str, *, markers: int) -> None:
    """The Leaflet map has its country paths from the local boundaries and its markers."""
    container = page.locator(f"#{map_id}.leaflet-container")
    container.wait_for()
    page.locator(f"#{map_id}[data-boundaries-drawn='true']").wait_for(timeout=MAP_SECONDS)
    assert container.locator("path.country").count() > 100
    assert container.locator("path.incident-marker").count() == markers
    assert page.locator(f"#{map_id}[data-boundaries-error]").count() == 0


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_a_member_of_the_public_reports_on_a_phone_and_gets_a_receipt(
    page: Page, site: Site, tmp_path: Path
) -> None:
    page.goto(site.url + "/report")
    page.get_by_role("link", name="Jewish Community Security Berlin-Brandenburg").click()
    page.wait_for_url(f"{site.url}/report/{site.org_slug}")
    _fits_a_phone(page, "the public form")
    honeypot = page.locator("input[name=website]").bounding_box()
    assert honeypot is not None and honeypot["x"] + honeypot["width"] <= 0, "honeypot is visible"
    assert page.locator("input[name=zone]").input_value() == page.evaluate(
        "Intl.DateTimeFormat().resolvedOptions().timeZone"
    )

    page.get_by_label("What happened?").fill(
        "Two men shouted antisemitic slogans at parents at the kindergarten gate."
    )
    when = (dt.datetime.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("When did it happen?").fill(when)
    page.get_by_label("Where did it happen?").fill("Oranienburger Str 30, Berlin")
    page.get_by_label("What kind of incident was it?").select_option("abusive_behaviour")
    page.get_by_label("How can we reach you? (optional)").fill("+49 30 1234567")
    _shot(page, tmp_path, "public-form")
    page.get_by_role("button", name="Send the report").click()

    receipt = page.locator("#receipt-code")
    receipt.wait_for()
    code = receipt.inner_text().strip()
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){2}[0-9A-HJKMNP-TV-Z]{4}", code)
    _fits_a_phone(page, "the receipt")
    _shot(page, tmp_path, "public-receipt")

    page.get_by_role("link", name="Check the status of a report").click()
    page.get_by_label("Receipt code").fill(code)
    page.get_by_role("button", name="Show the status").click()
    assert page.locator(".receipt-status").get_attribute("data-status") == "received"
    _fits_a_phone(page, "the status page")


def test_a_coordinator_triages_a_report_into_an_incident_shown_on_maps(
    page: Page, site: Site, tmp_path: Path
) -> None:
    page.goto(site.url + "/incidents/triage")
    page.get_by_label("E-mail address", exact=True).fill(site.coordinator_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url + "/incidents/triage")
    card = page.locator("article.triage-item").filter(has_text=site.report_title)
    assert card.get_by_role("radio").count() == 2  # shared: attaching asks about recipients
    _fits_a_phone(page, "/incidents/triage")
    _shot(page, tmp_path, "triage")

    card.get_by_role("button", name="New incident").click()

    opened = page.locator("article.triage-done a")
    opened.wait_for()
    assert page.locator("#live-status").inner_text().startswith("Incident #")
    assert page.url == site.url + "/incidents/triage"  # htmx replaced the card in place
    incident_path = opened.get_attribute("href")
    assert incident_path is not None

    page.goto(site.url + "/incidents")
    row = page.locator("table.incident-table a", has_text=site.report_title)
    assert row.get_attribute("href") == incident_path
    _map_is_drawn(page, "list-map", markers=1)
    page.locator("#list-map").screenshot(path=str(tmp_path / "list-map.png"))
    _fits_a_phone(page, "/incidents")
    _shot(page, tmp_path, "list")

    row.click()
    page.wait_for_url(site.url + incident_path)
    assert site.report_title in page.locator("h1").inner_text()
    _map_is_drawn(page, "incident-map", markers=1)
    _fits_a_phone(page, incident_path)
    _shot(page, tmp_path, "detail")

    page.get_by_text("Edit the incident").click()
    _map_is_drawn(page, "e-map", markers=1)  # the incident's point, as a pin to move
    assert page.locator("#e-map path.pick-marker").count() == 1
    _fits_a_phone(page, incident_path + " with the edit form open")

    page.goto(site.url + "/incidents/report")
    _map_is_drawn(page, "f-map", markers=0)
    page.locator("#f-map").screenshot(path=str(tmp_path / "pick-map.png"))
    _fits_a_phone(page, "/incidents/report")
    assert page.locator(".ihra-group").is_hidden()
    page.get_by_label("Antisemitism").check()
    assert page.locator(".ihra-group").is_visible()
    page.locator("#f-map").click()
    assert page.get_by_label("Latitude").input_value() != ""
    assert page.locator("#f-map path.pick-marker").count() == 1
    _shot(page, tmp_path, "member-form")
    for path in ("/report", f"/report/{site.org_slug}", "/report/status"):
        page.goto(site.url + path)
        _fits_a_phone(page, path)
