"""Real-browser tests: Debian's Chromium, driven by Playwright, against Vigil served by uvicorn
on loopback with a committed throwaway database (DECISIONS 19, 21). Any request that leaves
loopback fails the test (DECISIONS 16); so does any console error (e.g. a CSP violation)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Route, sync_playwright
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, make_network, make_org, make_person
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.policy import SYSTEM, TLP
from vigil.notices import service as notices_service
from vigil.notices.schemas import NoticeCreate
from vigil.orgs import accounts
from vigil.orgs import service as orgs_service
from vigil.orgs.models import Role

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE_WIDTH = 375
LOOPBACK = {"127.0.0.1", "localhost"}
START_SECONDS = 20


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Site:
    url: str
    org_slug: str
    email: str
    name: str
    member_id: int
    notice_id: int
    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


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
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=_free_port(),
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield Site(
        url=f"http://127.0.0.1:{port}",
        org_slug=home.slug,
        email=person.email,
        name=person.name,
        member_id=member.id,
        notice_id=notice.id,
    )
    server.should_exit = True
    thread.join(timeout=START_SECONDS)


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 800})

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            site.outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    opened = context.new_page()
    opened.on(
        "console", lambda msg: site.console_errors.append(msg.text) if msg.type == "error" else None
    )
    yield opened
    context.close()
    assert site.outside == [], f"requests left loopback: {site.outside}"
    assert site.console_errors == [], f"console errors: {site.console_errors}"


def _sign_in(page: Page, site: Site) -> None:
    page.goto(site.url + "/")
    assert urlsplit(page.url).path == "/login"
    page.get_by_label("E-mail address").fill(site.email)
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
