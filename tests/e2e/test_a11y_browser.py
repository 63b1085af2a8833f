"""The public pages against axe-core in a real browser (Debian's Chromium through Playwright),
in every shipped language: the report form, the list to choose an organisation from, the
status form and a result, the receipt after a report, and the published annual report with
its widget. Any serious or critical violation fails, and so does sideways scrolling on a phone
(right-to-left too); the message names every one. Then the form at 200 % zoom: no sideways
scrolling, every control in view, buttons big enough for a thumb."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.e2e.a11y import (
    LANGUAGES,
    PublicSite,
    described,
    make_public_site,
    violations,
    with_axe,
)
from tests.e2e.conftest import PHONE_WIDTH, serve
from vigil.core.config import Settings

pytestmark = pytest.mark.browser

# A 1280 x 800 window zoomed to 200 %: the page lays out in 640 x 400 CSS pixels.
ZOOMED = {"width": 640, "height": 400}
TOUCH_TARGET = 44  # CSS px, WCAG 2.5.5


@pytest.fixture
def site(settings: Settings, committed: Session) -> Iterator[PublicSite]:
    org_slug, report_slug = make_public_site(settings, committed)
    with serve(settings) as url:
        yield PublicSite(url=url, org_slug=org_slug, report_slug=report_slug)


def _in(page: Page, lang: str) -> None:
    """The page is in the language asked for, so each language is really checked."""
    assert page.locator("html").get_attribute("lang") == lang, page.url
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "he" else "ltr")


def _scroll_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def _report(page: Page, site: PublicSite, lang: str) -> str:
    """Fill and send the form; the receipt code."""
    page.goto(f"{site.url}/report/{site.org_slug}?lang={lang}")
    page.locator("#f-what_happened").fill("Two men shouted slogans at the kindergarten gate.")
    page.locator("#f-when").fill("2026-11-30T08:15")
    page.locator("#f-where").fill("Třída Kpt. Jaroše 3, Brno")
    page.locator("form.stack button[type=submit]").click()
    receipt = page.locator("#receipt-code")
    receipt.wait_for()
    return receipt.inner_text().strip()


def _status(page: Page, site: PublicSite, lang: str, code: str) -> None:
    page.goto(f"{site.url}/report/status?lang={lang}")
    page.locator("#f-receipt").fill(code)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_load_state()


def test_public_pages_have_no_serious_axe_violations_in_any_language(
    page: Page, site: PublicSite, settings: Settings
) -> None:
    with_axe(page.context, settings)
    problems: list[str] = []

    def check(what: str, lang: str) -> None:
        _in(page, lang)
        where = f"[{lang}] {what} {page.url}"
        problems.extend(described(where, violations(page)))
        if (width := _scroll_width(page)) > PHONE_WIDTH:
            problems.append(f"{where}: scrolls sideways on a phone ({width} px)")

    for lang in LANGUAGES:
        # What the browser asks for carries the language through the posts (no ?lang= there).
        page.set_extra_http_headers({"Accept-Language": lang})
        for path in (
            "/report",
            f"/report/{site.org_slug}",
            "/report/status",
            f"/published/{site.org_slug}/{site.report_slug}",
            f"/published/{site.org_slug}/widget",
        ):
            page.goto(f"{site.url}{path}?lang={lang}")
            check(path, lang)
        code = _report(page, site, lang)
        check("the receipt", lang)
        _status(page, site, lang, code)
        assert page.locator(".receipt-status").count() == 1
        check("a report's status", lang)
    # The check itself sees a barrier: a page that does not say its language.
    page.evaluate("document.documentElement.removeAttribute('lang')")
    assert "html-has-lang" in {v["id"] for v in violations(page)}
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)


def test_the_report_form_is_usable_at_200_percent_zoom_in_every_language(
    page: Page, site: PublicSite
) -> None:
    page.set_viewport_size(ZOOMED)
    for lang in LANGUAGES:
        page.goto(f"{site.url}/report/{site.org_slug}?lang={lang}")
        _in(page, lang)
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client, f"[{lang}] the form scrolls sideways at 200 % ({scroll} px)"
        controls = page.locator(
            "main input:not([type=hidden]):not([tabindex='-1']), main select, main textarea, "
            "main button"
        )
        assert controls.count() >= 6
        for i in range(controls.count()):
            control = controls.nth(i)
            control.scroll_into_view_if_needed()
            name = control.get_attribute("id") or control.inner_text()
            assert control.is_visible(), f"[{lang}] {name} is hidden at 200 %"
            box = control.bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= client, (
                f"[{lang}] {name} is cut off at 200 %: {box}"
            )
            if control.evaluate("e => e.tagName") == "BUTTON":
                assert box["width"] >= TOUCH_TARGET and box["height"] >= TOUCH_TARGET, (
                    f"[{lang}] the button {name!r} is smaller than 44 x 44 px: {box}"
                )
