"""Re-assessing on a phone (375 px): the volunteer taps "Re-assess" on the site, sees what needs
them at the top, goes straight to those questions, keeps a reworded question's earlier answer
and answers the new one; nothing else needs them after. No page scrolls sideways, no console
error (the marks are swapped out of band by htmx)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.assessments.small import SMALL
from tests.assessments.test_reassess import SMALL_2
from tests.e2e.conftest import serve
from tests.e2e.test_assessments_browser import SAVE_MS, fits_a_phone, sign_in
from tests.orgs.factories import make_org, make_person
from tests.sites.factories import acting, make_site
from vigil.assessments import service, versions
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.orgs.models import OrgKind

pytestmark = pytest.mark.browser


@dataclass
class World:
    url: str
    site_id: int
    email: str


@pytest.fixture
def world(settings: Settings, committed: Session) -> Iterator[World]:
    """A synagogue assessed with the organisation's version 1, and version 2 published."""
    org = make_org(committed, kind=OrgKind.site_operator)
    volunteer = make_person(committed, settings, org=org, role=Role.reporter)
    coordinator = make_person(committed, settings, org=org, role=Role.coordinator)
    lead = acting(committed, coordinator, org)
    site = make_site(committed, lead, name="Synagogue Rykestrasse", capacity=450)
    first = versions.publish_version(session=committed, principal=lead, yaml_text=SMALL)
    done = service.start_assessment(
        session=committed, principal=lead, site_id=site.id, version_id=first.id
    )
    answers = {"g1": "partly", "g2": 2, "p1": "no", "p2": 15}
    service.save_answers(session=committed, principal=lead, assessment_id=done.id, answers=answers)
    service.complete_assessment(session=committed, principal=lead, assessment_id=done.id)
    versions.publish_version(session=committed, principal=lead, yaml_text=SMALL_2)
    committed.commit()
    with serve(settings) as url:
        yield World(url, site.id, volunteer.email)


def test_a_volunteer_reassesses_on_a_phone(world: World, page: Page) -> None:
    sign_in(page, world.url, world.email, f"/sites/{world.site_id}")
    button = page.get_by_role("button", name="Re-assess")  # loaded by htmx
    button.wait_for()
    button.click()
    page.wait_for_url(f"{world.url}/assessments/*")
    overview = page.url
    needs = page.locator("#needs")
    assert needs.locator("h2").inner_text() == "2 questions need you"
    fits_a_phone(page, "the re-assessment's overview")
    needs.locator("li[data-question=g1] a").click()
    page.locator("fieldset.question").first.wait_for()
    assert page.locator("fieldset.question").count() == 2  # only what needs the volunteer
    fits_a_phone(page, "the marked questions")
    assert page.locator("#q1-partly").is_checked()  # the earlier answer, pre-filled
    page.get_by_role("button", name="Keep this answer").click()
    page.locator("#mark-g1.mark-done").wait_for(timeout=SAVE_MS)
    new_question = page.locator("fieldset[data-question=g3]")
    new_question.locator("input[value=yes]").check()
    new_question.locator(".save-status.saved").wait_for(timeout=SAVE_MS)
    page.goto(overview)
    assert page.locator("#needs h2").inner_text() == "Nothing new needs you"
