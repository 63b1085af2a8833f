"""The public report form without a connection, in a real browser (Debian's Chromium through
Playwright, on a phone-sized screen, in Czech): the service worker keeps the form, a report made
offline is kept on the phone and says so, survives a reload and a new service worker, and is
sent exactly once when the connection returns, with a short receipt shown. The worker answers
no POST: every other request goes to the network untouched."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import FilePayload, Page, Route
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.e2e.conftest import serve
from tests.html import db_rows
from tests.incidents.test_evidence import gps_jpeg
from tests.orgs.factories import make_org
from vigil.core.config import Settings
from vigil.incidents import public_pages
from vigil.incidents import reports as reports_service
from vigil.incidents.models import Evidence, Report
from vigil.incidents.schemas import PublicReportCreate

pytestmark = pytest.mark.browser

CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
WAIT_MS = 60_000
# True once the page's own address (with its ?lang=) is in the service worker's cache.
PAGE_KEPT = """async () => {
  for (const name of await caches.keys()) {
    if (await (await caches.open(name)).match(location.href, {ignoreVary: true})) return true;
  }
  return false;
}"""
# True once the new worker is in charge: its cache is there and the old one's is gone.
NEW_WORKER = """async () => {
  const names = await caches.keys();
  const mine = names.filter(n => n.endsWith('|next-version'));
  return mine.length > 0 && mine.length === names.length;
}"""


@dataclass
class Site:
    url: str
    form: str
    receipt: str


@pytest.fixture
def site(settings: Settings, committed: Session) -> Iterator[Site]:
    org = make_org(committed)
    org.accepts_public_reports = True
    committed.flush()
    receipt = reports_service.submit_public_report(
        session=committed,
        settings=settings,
        org_slug=org.slug,
        data=PublicReportCreate(
            what_happened="Stickers with hateful slogans on the tram stop by the school.",
            when=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
            where="Praha",
        ),
        ip="192.0.2.1",
    )
    committed.commit()
    with serve(settings) as url:
        yield Site(url=url, form=f"{url}/report/{org.slug}", receipt=receipt)


def reports(settings: Settings) -> int:
    (count,) = db_rows(settings, select(func.count()).select_from(Report))
    return int(count)


def open_controlled(page: Page, address: str) -> None:
    """Open the form and wait until its service worker controls it and has kept the page."""
    page.set_default_timeout(WAIT_MS)
    page.goto(address, wait_until="domcontentloaded")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=WAIT_MS)
    page.wait_for_function(PAGE_KEPT, timeout=WAIT_MS)


def fill_report(page: Page) -> None:
    when = (dt.datetime.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#f-what_happened", "Dva muži pokřikovali antisemitská hesla u vchodu do školy.")
    page.fill("#f-when", when)
    page.fill("#f-where", "Maiselova 18, Praha")
    photo = FilePayload(name="IMG_0001.jpg", mimeType="image/jpeg", buffer=gps_jpeg())
    page.set_input_files("#f-photo", files=[photo])
    page.click("#public-report-form button[type=submit]")


def test_a_report_made_offline_is_kept_and_sent_once_when_the_connection_returns(
    page: Page, site: Site, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_controlled(page, f"{site.form}?lang=cs")
    assert page.get_attribute("html", "lang") == "cs"
    saved = page.get_attribute("#public-report-form", "data-saved")
    context = page.context
    before = reports(settings)  # the one whose receipt the site keeps

    context.set_offline(True)
    fill_report(page)

    waiting = page.locator("#outbox-list li[data-state=waiting]")
    waiting.wait_for(timeout=WAIT_MS)
    assert page.text_content("#outbox-status") == saved
    assert page.input_value("#f-what_happened") == ""  # it is in the outbox, not in the form
    photo_kept = page.get_attribute("#public-report-form", "data-photo-kept") or "-"
    assert photo_kept in (waiting.text_content() or "")  # the photo waits on the phone too

    # Still offline: the service worker's copy of the Czech form.
    page.reload(wait_until="domcontentloaded")
    assert page.get_attribute("html", "lang") == "cs"
    waiting.wait_for(timeout=WAIT_MS)
    assert waiting.count() == 1
    assert page.text_content("#outbox-status") == saved
    assert reports(settings) == before

    # The connection returns, but the answer is held back while a new service worker comes
    # (it drops the old worker's cache, never the outbox); then the report goes, once. A send
    # the page repeats (a refreshed token after a 403) carries the same key and is let through.
    posts: list[Route] = []
    answers: list[str] = []
    released: list[bool] = []

    def hold(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route)
        if released:
            route.continue_()

    context.route(site.form, hold)
    page.on(
        "response",
        lambda r: answers.append(f"{r.status} {r.url}") if r.request.method == "POST" else None,
    )
    monkeypatch.setattr(public_pages, "service_worker_version", lambda: "next-version")
    context.set_offline(False)
    deadline = time.monotonic() + WAIT_MS / 1000
    while not posts:
        assert time.monotonic() < deadline, "the report was not sent when the connection returned"
        page.wait_for_timeout(100)
    page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
    page.wait_for_function(NEW_WORKER, timeout=WAIT_MS)
    assert reports(settings) == before
    released.append(True)
    for route in list(posts):
        route.continue_()
    done = page.locator("#outbox-list li[data-state=sent], #outbox-list li[data-state=refused]")
    try:
        done.first.wait_for(timeout=WAIT_MS)
    except PlaywrightError as error:
        outbox = page.inner_html("#outbox")
        raise AssertionError(f"not sent; answers {answers}; outbox: {outbox}") from error
    sent = page.locator("#outbox-list li[data-state=sent]")
    assert sent.count() == 1, f"refused: {done.first.text_content()} (answers {answers})"
    code = page.text_content("#outbox-list li[data-state=sent] code")
    assert code is not None and CODE.fullmatch(code)
    assert reports(settings) == before + 1
    keys = {route.request.headers.get("idempotency-key") for route in posts}
    assert len(keys) == 1 and None not in keys  # every send of it was the same report
    sends = len(posts)
    (evidence,) = db_rows(settings, select(Evidence))
    assert evidence.redacted_sha256 == evidence.sha256  # kept only without its metadata

    page.reload(wait_until="domcontentloaded")  # online, with the new worker: nothing is sent again
    sent.wait_for(timeout=WAIT_MS)
    assert page.text_content("#outbox-list li[data-state=sent] code") == code
    assert page.is_visible("#outbox-list li[data-state=sent] button.copy-code")
    assert reports(settings) == before + 1 and len(posts) == sends
    page.click("#outbox-list li[data-state=sent] button:last-of-type")  # "I have kept the code"
    page.locator("#outbox").wait_for(state="hidden", timeout=WAIT_MS)


def test_the_service_worker_answers_no_post_and_controls_only_its_form(
    page: Page, site: Site
) -> None:
    open_controlled(page, site.form)
    token = page.input_value("input[name=csrf_token]")

    with page.expect_response(lambda r: r.url.endswith("/report/status")) as posted:
        page.evaluate(
            """([token, receipt]) => { const body = new FormData();
            body.append('csrf_token', token); body.append('receipt', receipt);
            return fetch('/report/status', {method: 'POST', body}).then(r => r.status); }""",
            [token, site.receipt],
        )
    with page.expect_response(lambda r: r.url == site.form) as got:
        page.evaluate("() => fetch(location.pathname).then(r => r.status)")

    assert posted.value.status == 200 and not posted.value.from_service_worker
    assert got.value.from_service_worker  # the test can tell when the worker answers
    page.goto(f"{site.url}/report/status", wait_until="domcontentloaded")
    assert page.evaluate("() => navigator.serviceWorker.controller") is None
