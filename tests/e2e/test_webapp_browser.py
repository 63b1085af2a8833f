"""The installable app as Chromium sees it (Debian's Chromium through Playwright, its DevTools
protocol): a page's manifest link is found, the manifest parses without errors into the app
Vigil means to be, and nothing but the test's private window stands in the way of installing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import serve
from vigil.core.config import Settings

pytestmark = pytest.mark.browser

# Playwright's contexts are private windows, where Chromium never offers to install.
PRIVATE_WINDOW = "in-incognito"


# Layout and the manifest do not depend on the database; these run on SQLite only.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def site(settings: Settings) -> Iterator[str]:
    with serve(settings) as url:
        yield url


def test_chromium_finds_an_installable_manifest_in_the_page_language(page: Page, site: str) -> None:
    page.goto(site + "/login?lang=he")
    devtools = page.context.new_cdp_session(page)

    found = devtools.send("Page.getAppManifest")
    assert found["url"] == site + "/manifest.webmanifest?lang=he"
    assert found["errors"] == []
    manifest = found["manifest"]
    assert manifest["name"] == "Vigil"
    assert manifest["id"] == manifest["startUrl"] == manifest["scope"] == site + "/"
    assert manifest["display"] == "kStandalone"
    assert manifest["themeColor"] == "rgba(18,38,58,1)"  # --brand, #12263a
    assert manifest["description"] != "Vigil — protecting soft targets together."  # Hebrew
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes

    blocking = devtools.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in blocking if e["errorId"] != PRIVATE_WINDOW] == []
