"""The issue's "done when" in a real browser at 375 px: a site operator assesses a synagogue
with the shipped places-of-worship methodology, tapping radio buttons section by section (each
answer saved as it is given), closes the tab mid-section and finds the answers on reopening,
completes, gets the risk matrix and the ordered measures, downloads the PDF; the coordinator
sees the site ranked first in the portfolio. No page scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page
from sqlalchemy.orm import Session

from tests.assessments.factories import answer_all
from tests.core.test_pdf import first_page_ink
from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.orgs.factories import PASSWORD, make_org, make_person
from tests.sites.factories import acting, make_site
from vigil.assessments import service, versions
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.models import OrgKind

pytestmark = pytest.mark.browser

SAVE_MS = 10_000
TIMEFRAMES = ["now", "3_months", "year"]


@dataclass
class World:
    url: str
    site_id: int
    other_site_id: int
    operator_email: str
    coordinator_email: str


@pytest.fixture
def world(settings: Settings, committed: Session) -> Iterator[World]:
    """A synagogue to assess, and a community centre assessed twice, well the second time."""
    org = make_org(committed, kind=OrgKind.site_operator)
    org.name = "Jewish Community Berlin"
    operator = make_person(committed, settings, org=org, role=Role.reporter)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    lead = acting(committed, coordinator, org)
    synagogue = make_site(committed, lead, name="Synagogue Rykestrasse", capacity=450,
                          typical_attendance=180)  # fmt: skip
    centre = make_site(committed, lead, name="Community centre Fasanenstrasse",
                       type="community_centre", capacity=150, typical_attendance=40)  # fmt: skip
    version = next(v for v in versions.ensure_shipped(committed) if v.code == "places_of_worship")
    for strength in ("weak", "strong"):  # assessed twice: the second time much better
        done = service.start_assessment(
            session=committed, principal=lead, site_id=centre.id, version_id=version.id
        )
        service.save_answers(
            session=committed,
            principal=lead,
            assessment_id=done.id,
            answers=answer_all(versions.methodology_of(version), "community_centre", strength),
        )
        service.complete_assessment(session=committed, principal=lead, assessment_id=done.id)
    committed.commit()
    with serve(settings) as url:
        yield World(url, synagogue.id, centre.id, operator.email, coordinator.email)


def fits_a_phone(page: Page, what: str) -> None:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} scrolls sideways ({width} px)"


def sign_in(page: Page, url: str, email: str, then: str) -> None:
    page.goto(f"{url}/login?next={then}")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + then)


def answer_question(page: Page, index: int) -> None:
    """Tap an answer to the index-th question of the section and wait until it is saved."""
    fieldset = page.locator("fieldset.question").nth(index)
    number = fieldset.locator("input[type=number]")
    if number.count():
        number.fill("1")
        number.press("Tab")  # leaving the box is the change htmx saves on
    else:
        radios = fieldset.locator("input[type=radio]")
        # Mostly weak answers, so that the synagogue has measures to take.
        radios.nth(min(2, radios.count() - 2) if index % 3 else 1).check()
    fieldset.locator(".save-status.saved").wait_for(timeout=SAVE_MS)


def checked_count(page: Page) -> int:
    return page.locator("fieldset.question input:checked").count() + sum(
        1 for v in page.locator("fieldset.question input[type=number]").all() if v.input_value()
    )


def test_an_operator_assesses_a_synagogue_on_a_phone(
    world: World, page: Page, tmp_path: Path
) -> None:
    # `world` first: the browser closes its connections before the server stops.
    sign_in(page, world.url, world.operator_email, f"/sites/{world.site_id}")
    start = page.get_by_role("button", name="Start an assessment")  # loaded by htmx
    start.wait_for()
    fits_a_phone(page, "the site page with its assessments")
    start.click()
    page.wait_for_url(f"{world.url}/assessments/*")
    assessment_url = page.url
    fits_a_phone(page, "the assessment's sections")
    page.get_by_role("link", name="Start answering").click()

    closed_tab_done = False
    while True:
        page.locator("fieldset.question").first.wait_for()
        fits_a_phone(page, page.url)
        count = page.locator("fieldset.question").count()
        start = checked_count(page)
        for i in range(start, count):
            answer_question(page, i)
            if not closed_tab_done and "/sections/people" in page.url and i == count // 2:
                # Close the tab mid-section; a new tab finds every answer given so far.
                section_url = page.url
                context: BrowserContext = page.context
                page.close()
                page = context.new_page()
                page.goto(section_url)
                assert checked_count(page) == i + 1
                closed_tab_done = True
                for j in range(i + 1, count):
                    answer_question(page, j)
                break
        next_button = page.get_by_role("button", name="Save and go to the next section")
        if next_button.count():
            next_button.click()
            page.wait_for_load_state()
            continue
        page.get_by_role("button", name="Save and finish").click()
        break
    assert closed_tab_done
    page.wait_for_url(assessment_url)
    assert page.locator("progress").get_attribute("value") == page.locator(
        "progress"
    ).get_attribute("max")

    page.get_by_role("button", name="Complete the assessment").click()
    page.locator("svg.risk-matrix rect.risk-marker").wait_for()
    fits_a_phone(page, "the result")
    assert page.locator("svg.radar").is_visible()
    groups = [ol.get_attribute("data-timeframe") for ol in page.locator("ol.measure-list").all()]
    assert groups and groups == sorted(groups, key=TIMEFRAMES.index)
    assert page.locator("li.measure").count() >= 5
    risk = page.locator("div.risk-headline details.explain")
    risk.locator("summary").click()
    assert "likelihood * impact" in risk.locator("code.formula").inner_text()
    page.screenshot(path=str(tmp_path / "result.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and first_page_ink(pdf) > 0.001

    page.get_by_role("link", name="Report").click()
    page.locator("section#report-answers").wait_for()
    fits_a_phone(page, "the report")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, world.url, world.coordinator_email, "/portfolio")
    ranked = page.locator("table.portfolio-table tbody tr")
    assert ranked.first.get_attribute("data-site") == str(world.site_id)
    assert ranked.nth(1).get_attribute("data-site") == str(world.other_site_id)
    page.locator("#portfolio-map[data-boundaries-drawn='true']").wait_for(timeout=15_000)
    fits_a_phone(page, "/portfolio")
    page.screenshot(path=str(tmp_path / "portfolio.png"), full_page=True)


def test_a_coordinator_compares_and_copies_a_methodology_on_a_phone(
    world: World, page: Page
) -> None:
    sign_in(page, world.url, world.coordinator_email, f"/sites/{world.other_site_id}")
    page.get_by_role("link", name="Compare with the one before").click()  # loaded by htmx
    page.locator("table.compare-sections").wait_for()
    assert page.locator("table.compare-sections tr.better").count() > 5
    assert page.locator("section.compare-worse li").count() == 0
    fits_a_phone(page, "the compare page")

    page.goto(world.url + "/methodologies")
    fits_a_phone(page, "/methodologies")
    page.get_by_role("link", name="Places of worship and community buildings").click()
    page.locator("section.methodology-section").first.wait_for()
    fits_a_phone(page, "a methodology")
    page.get_by_role("link", name="Make our own version").click()
    yaml = page.get_by_label("Methodology (YAML)")
    assert "sections:" in yaml.input_value()
    fits_a_phone(page, "the methodology editor")
