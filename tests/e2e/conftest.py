"""What every real-browser test shares: Debian's Chromium driven by Playwright, Vigil served by
uvicorn on loopback, and a page that fails its test on any request leaving loopback
(DECISIONS 16) or any console error, such as a CSP violation."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright

from vigil.app import create_app
from vigil.core.config import Settings

CHROMIUM = "/usr/bin/chromium"
# Servers whose stop has begun: the event streams of open pages (live alerts, the incident
# room) are cut then, which is no fault of the page.
STOPPING: set[str] = set()
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


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Browser tests run on SQLite only, unless their module sets BOTH_DATABASES: what a page
    does with each database is tested through the pages' and the API's own tests on both, and
    a browser flow costs seconds (on both, the browser tests were a tenth of the suite)."""
    if "db_url" not in metafunc.fixturenames or getattr(metafunc.module, "BOTH_DATABASES", False):
        return
    marks = metafunc.definition.iter_markers("parametrize")
    if any("db_url" in str(mark.args[0]) for mark in marks):
        return
    # As a mark, which the fixtures' own parametrisation (both backends) then leaves alone.
    metafunc.definition.add_marker(pytest.mark.parametrize("db_url", ["sqlite"], indirect=True))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """Vigil on a free loopback port, for as long as the block runs; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
            # Open event streams (the live-alert banner) would hold the shutdown forever.
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    try:
        yield url
    finally:
        STOPPING.add(url)
        server.should_exit = True
        thread.join(timeout=START_SECONDS)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone-sized page whose test fails on any request leaving loopback or console error."""
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 800})
    outside: list[str] = []
    errors: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    opened = context.new_page()

    def console(msg: ConsoleMessage) -> None:
        where = msg.location.get("url", "")
        cut_stream = any(where.startswith(url + "/") for url in STOPPING)
        if msg.type == "error" and not cut_stream:
            errors.append(msg.text)

    opened.on("console", console)
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert outside == [], f"requests left loopback: {outside}"
    assert errors == [], f"console errors: {errors}"
