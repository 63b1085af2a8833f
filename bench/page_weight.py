"""What a phone downloads to open Vigil's pages: bytes transferred on a first visit (empty cache)
and on the next one, for the main pages and the map pages (DECISIONS 36: a map page's first
load under 300 KB).

Starts Vigil on loopback in a subprocess (fresh data directory and SQLite database, migrated;
demo data in a full run, one organisation in a quick one), signs in through the login form in
Debian's Chromium (Playwright), then opens each page in a fresh browser context holding only the
session cookie, and counts through the DevTools protocol every response's bytes on the wire
(`encodedDataLength`: headers and compressed body) and its decoded size. The decoded size is the
ceiling this compares with: what the same page would cost uncompressed and uncached, measured in
the same run. The second visit reuses the context's cache. The last line is name=value pairs.

    python bench/page_weight.py          # the demo data (signed in as its coordinator)
    python bench/page_weight.py --quick  # one organisation, well under a minute

Traffic goes to 127.0.0.1 only; every wait has a deadline; the server is stopped on exit.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import api as http_bench
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
PAGES = ("/", "/incidents", "/sites", "/statistics", "/notices")
MAP_PAGES = ("/incidents", "/sites")
COORDINATOR_PAGES = ("/alerts/new",)
TIMEOUT_MS = 30_000


@dataclass
class Weight:
    transferred: int
    decoded: int
    requests: int


def _visit(browser: Browser, url: str, cookies: list[Any], repeat: bool) -> tuple[Weight, Weight]:
    """The page's first load in a fresh context, then (the same context) its second load."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    context.add_cookies(cookies)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen: dict[str, list[int]] = {}

    def received(event: dict[str, Any]) -> None:
        seen.setdefault(event["requestId"], [0, 0])[1] += int(event["dataLength"])

    def finished(event: dict[str, Any]) -> None:
        seen.setdefault(event["requestId"], [0, 0])[0] = int(event["encodedDataLength"])

    cdp.on("Network.dataReceived", received)
    cdp.on("Network.loadingFinished", finished)
    weights = []
    for _ in range(2 if repeat else 1):
        seen.clear()
        page.goto(url, wait_until="networkidle", timeout=TIMEOUT_MS)
        weights.append(
            Weight(
                transferred=sum(v[0] for v in seen.values()),
                decoded=sum(v[1] for v in seen.values()),
                requests=len(seen),
            )
        )
    context.close()
    return weights[0], weights[-1]


def _sign_in(browser: Browser, base: str, email: str, password: str) -> list[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "/login", timeout=TIMEOUT_MS)
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/", timeout=TIMEOUT_MS)
    cookies = context.cookies()
    context.close()
    return cookies


def bench(args: argparse.Namespace) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    results: dict[str, tuple[Weight, Weight]] = {}
    try:
        values = http_bench.server_values(work, "")
        email, password = http_bench.prepare(values, demo=not args.quick)
        pages = PAGES + (() if args.quick else COORDINATOR_PAGES)
        with (
            http_bench.server("vigil", http_bench.server_env(values), work / "server.log") as (
                port,
                _pid,
            ),
            sync_playwright() as playwright,
        ):
            base = f"http://{http_bench.HOST}:{port}"
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            cookies = _sign_in(browser, base, email, password)
            for path in pages:
                results[path] = _visit(browser, base + path, cookies, repeat=True)
                first, again = results[path]
                print(
                    f"{path:<14} first {first.transferred / 1024:7.1f} KB "
                    f"({first.decoded / 1024:7.1f} KB decoded, {first.requests} requests); "
                    f"again {again.transferred / 1024:6.1f} KB ({again.requests} requests)",
                    flush=True,
                )
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    maps = [results[p][0] for p in MAP_PAGES + COORDINATOR_PAGES if p in results]
    firsts = [first for first, _ in results.values()]
    ratio = sum(w.transferred for w in firsts) / sum(w.decoded for w in firsts)
    return {
        "map_first_kb_max": f"{max(w.transferred for w in maps) / 1024:.1f}",
        "first_kb_max": f"{max(w.transferred for w in firsts) / 1024:.1f}",
        "again_kb_max": f"{max(again.transferred for _, again in results.values()) / 1024:.1f}",
        "ratio_to_uncompressed": f"{ratio:.3f}",
        "pages": str(len(results)),
        "db": "sqlite",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one organisation instead of the demo")
    args = parser.parse_args()
    pairs = bench(args)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
