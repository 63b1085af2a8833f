"""Real-browser tests: Debian's Chromium, driven by Playwright, against Vigil served by uvicorn
on loopback with a committed throwaway database (DECISIONS 19, 21). Any request that leaves
loopback fails the test (DECISIONS 16); so does any console error (e.g. a CSP violation)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.e2e.conftest import PHONE_WIDTH, serve
from tests.orgs.factories import PASSWORD, make_network, make_org, make_person
from vigil.core.config import Settings
from vigil.core.policy import SYSTEM, TLP, Role
from vigil.notices import service as notices_service
from vigil.notices.schemas import NoticeCreate
from vigil.orgs import accounts
from vigil.orgs import service as orgs_service

pytestmark = pytest.mark.browser
# The sign-in, the main pages and a live change also in a browser on PostgreSQL.
BOTH_DATABASES = True


@dataclass
class Site:
    url: str
    org_slug: str
    email: str
    name: str
    member_id: int
    notice_id: int


@pytest.fixture
def site(settings: Settings, committed: Session) -> Iterator[Site]:
    """Vigil on a free loopback port, with a person in two organisations and a notice."""
    home = make_org(committed)
    home.name = "Jewish Community Security Berlin-Brandenburg"
    branch = make_org(committed, parent=home)
    make_network(committed, home, branch)
    person = make_person(committed, settings, org=home, role=Role.org_admin, platform_admin=True)
    orgs_service.add_member(
        session=committed, principal=SYSTEM, org_id=branch.id, person=person, role=Role.analyst
    )
    member = make_person(committed, settings, org=home, role=Role.viewer)
    principal = replace(accounts.principal_for(committed, person.id), acting_org_id=home.id)
    notice = notices_service.create_notice(
        session=committed,
        principal=principal,
        data=NoticeCreate(
            title="Raised threat level over the holidays for all synagogues and schools",
            body="Extra patrols from Friday. https://example.invalid/a-very-long-link-" + "x" * 80,
            tlp=TLP.green,
        ),
    )
    committed.commit()
    with serve(settings) as url:
        yield Site(
            url=url,
            org_slug=home.slug,
            email=person.email,
            name=person.name,
            member_id=member.id,
            notice_id=notice.id,
        )


def _sign_in(page: Page, site: Site) -> None:
    page.goto(site.url + "/")
    assert urlsplit(page.url).path == "/login"
    page.get_by_label("E-mail address", exact=True).fill(site.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(site.url + "/")


def _scroll_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def test_sign_in_shows_the_dashboard(page: Page, site: Site, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})

    _sign_in(page, site)

    assert site.name in page.locator("h1").inner_text()
    assert page.evaluate("typeof htmx") == "object"
    assert page.locator(".tlp-green").first.inner_text() == "TLP:GREEN"
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_main_pages_fit_a_phone_without_sideways_scrolling(page: Page, site: Site) -> None:
    page.goto(site.url + "/login")
    assert _scroll_width(page) <= PHONE_WIDTH, "/login"
    _sign_in(page, site)
    paths = [
        "/",
        f"/orgs/{site.org_slug}",
        f"/orgs/{site.org_slug}/admin",
        "/admin",
        "/account",
        "/notices",
        "/notices/new",
        f"/notices/{site.notice_id}",
        "/statistics",
        "/statistics?grain=week",
        "/statistics/odihr",
        "/annual-reports",
    ]
    for path in paths:
        response = page.goto(site.url + path)
        assert response is not None and response.status == 200, path
        assert _scroll_width(page) <= PHONE_WIDTH, path
    page.goto(site.url + "/")
    page.get_by_text("Menu", exact=True).click()
    page.get_by_role("link", name="Notices").click()
    page.wait_for_url(site.url + "/notices")


def test_role_change_updates_the_row_in_place(page: Page, site: Site) -> None:
    _sign_in(page, site)
    page.goto(f"{site.url}/orgs/{site.org_slug}/admin")
    row = page.locator(f"#member-{site.member_id}")

    row.get_by_role("combobox").select_option("coordinator")
    row.get_by_role("button", name="Save").click()

    page.locator("#live-status").get_by_text("The role is changed.").wait_for()
    assert urlsplit(page.url).path == f"/orgs/{site.org_slug}/admin"
    page.reload()
    assert page.locator(f"#member-{site.member_id} select").input_value() == "coordinator"
