"""The public pages against axe-core in a real browser (Debian's Chromium through Playwright),
in every shipped language: the report form, the list to choose an organisation from, the
status form and a result, the receipt after a report, and the published annual report with
its widget. Any serious or critical violation fails, and so does sideways scrolling on a phone
(right-to-left too) or a page linking no favicon; the message names every one. Then the form,
the status page and the receipt at 200 % zoom: no sideways scrolling, every control in view,
buttons big enough for a thumb."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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

# A 1280 x 800 window, and the same zoomed to 200 %: the page lays out in 640 x 400 CSS px
# (what zoom changes for layout; the device pixels only sharpen the text).
UNZOOMED = {"width": 1280, "height": 800}
ZOOMED = {"width": 640, "height": 400}
TOUCH_TARGET = 44  # CSS px, WCAG 2.5.5
# What a page shows does not depend on the database (its data paths run on both elsewhere):
# eight languages on both would double these browser tests for nothing.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
# What a person reads off or operates (the honeypot, out of the tab order, and hidden fields
# are neither).
CONTROLS = (
    "main input:not([type=hidden]):not([tabindex='-1']), main select, main textarea, "
    "main button, main a, #receipt-code"
)


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


@SQLITE_ONLY
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
        if not page.locator("link[rel=icon]").count():
            problems.append(f"{where}: links no favicon")

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
    assert not problems, "on the public pages:\n" + "\n".join(problems)


def _controls(page: Page) -> list[dict[str, Any]]:
    """Each control of the page's main part (and the receipt code): its name, whether it is
    shown, where it is."""
    found: list[dict[str, Any]] = page.evaluate(
        """() => [...document.querySelectorAll(CONTROLS)].map(e => {
            const box = e.getBoundingClientRect();
            return {
                name: e.id || e.getAttribute("name") || e.textContent.trim(),
                button: e.matches("button, .button, input[type=submit], input[type=button]"),
                shown: e.checkVisibility({visibilityProperty: true}) && box.width > 0,
                left: box.left, right: box.right, width: box.width, height: box.height,
            };
        })""".replace("CONTROLS", repr(CONTROLS))
    )
    return found


def _zoom_problems(page: Page, where: str) -> list[str]:
    """What 200 % zoom breaks on the page: sideways scrolling, a control shown at 100 % that is
    hidden or cut off, a button smaller than a thumb."""
    page.set_viewport_size(UNZOOMED)
    shown = [c["shown"] for c in _controls(page)]
    assert any(shown), f"{where}: no controls"
    page.set_viewport_size(ZOOMED)
    problems = []
    scroll, width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll > width:
        problems.append(f"{where}: scrolls sideways ({scroll} px in {width} px)")
    for control, was_shown in zip(_controls(page), shown, strict=True):
        name = control["name"]
        if not was_shown:
            continue
        if not control["shown"]:
            problems.append(f"{where}: {name!r} is hidden")
        elif control["left"] < 0 or control["right"] > width:
            problems.append(f"{where}: {name!r} is cut off ({control['left']}..{control['right']})")
        if control["button"] and min(control["width"], control["height"]) < TOUCH_TARGET:
            problems.append(
                f"{where}: the button {name!r} is smaller than {TOUCH_TARGET} x {TOUCH_TARGET} "
                f"px ({control['width']:.0f} x {control['height']:.0f})"
            )
    return problems


@SQLITE_ONLY
def test_the_report_pages_are_usable_at_200_percent_zoom_in_every_language(
    page: Page, site: PublicSite
) -> None:
    problems: list[str] = []
    for lang in LANGUAGES:
        page.set_extra_http_headers({"Accept-Language": lang})
        page.goto(f"{site.url}/report/{site.org_slug}?lang={lang}")
        _in(page, lang)
        problems += _zoom_problems(page, f"[{lang}] the form")
        page.goto(f"{site.url}/report/status?lang={lang}")
        problems += _zoom_problems(page, f"[{lang}] the status form")
        _report(page, site, lang)
        problems += _zoom_problems(page, f"[{lang}] the receipt")
    assert not problems, "at 200 % zoom:\n" + "\n".join(problems)
