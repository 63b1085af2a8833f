"""Static files over HTTP (DECISIONS 36): gzip for a browser that accepts it, a year's cache for
a URL that names its version and revalidation for one that does not, the asset version in the
pages' URLs changing with a file's content, and what gzip must leave alone (ranges, HEAD, small
files, PNGs)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.html import html
from vigil.core.static_files import asset_version

STATIC = Path(__file__).resolve().parents[2] / "src" / "vigil" / "static"
GZIP = {"Accept-Encoding": "gzip"}


def _raw(
    client: TestClient, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """The answer as sent: httpx would decompress the body and hide the encoding's size."""
    with client.stream("GET", path, headers=headers) as response:
        body = b"".join(response.iter_raw())
        return response.status_code, dict(response.headers), body


def _versioned(client: TestClient, name: str) -> str:
    """The URL the login page links for an asset, with its ?v=."""
    page = html(client.get("/login"))
    urls = [
        t.attrs.get("src") or t.attrs.get("href") or ""
        for t in page.find_all()
        if t.tag in ("script", "link")
    ]
    [url] = [u for u in urls if u.split("?")[0] == name]
    return url


def test_a_versioned_asset_is_gzipped_and_kept_for_a_year(client: TestClient) -> None:
    url = _versioned(client, "/static/vigil.css")
    assert re.search(r"\?v=[0-9a-f]{12}$", url), url

    status, headers, body = _raw(client, url, GZIP)

    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in headers["vary"]
    original = (STATIC / "vigil.css").read_bytes()
    assert gzip.decompress(body) == original
    assert len(body) < len(original) / 3
    assert int(headers["content-length"]) == len(body)


def test_an_unversioned_asset_is_revalidated_by_its_etag(client: TestClient) -> None:
    first = client.get("/static/map.js", headers=GZIP)
    assert first.headers["cache-control"] == "no-cache"
    assert first.text == (STATIC / "map.js").read_text()

    again = client.get("/static/map.js", headers={**GZIP, "If-None-Match": first.headers["etag"]})

    assert again.status_code == 304
    assert again.content == b""


def test_the_npm_libraries_are_gzipped_too(client: TestClient) -> None:
    status, headers, body = _raw(client, "/vendor/world-atlas/countries-50m.json?v=1", GZIP)

    assert status == 200 and headers["content-encoding"] == "gzip"
    assert len(body) < 300_000  # 756 KB as a file
    assert gzip.decompress(body).startswith(b'{"type":"Topology"')


def test_what_gzip_leaves_alone(client: TestClient) -> None:
    _, plain, body = _raw(client, "/static/map.js", {"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain and body == (STATIC / "map.js").read_bytes()

    _, ranged, part = _raw(client, "/static/map.js", {**GZIP, "Range": "bytes=0-9"})
    assert "content-encoding" not in ranged and part == (STATIC / "map.js").read_bytes()[:10]

    _, png, image = _raw(client, "/static/icons/vigil-192.png", GZIP)
    assert "content-encoding" not in png and image.startswith(b"\x89PNG")

    head = client.head("/static/vigil.css", headers=GZIP)
    assert head.status_code == 200 and head.content == b""


def test_the_asset_version_changes_with_any_served_file(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "a.js").write_text("one")
    lock = tmp_path / "package.json"
    lock.write_text('{"version": "1"}')
    before = asset_version("1.0", [static], [lock])

    (static / "a.js").write_text("two")
    after_file = asset_version("1.0", [static], [lock])
    lock.write_text('{"version": "2"}')
    after_library = asset_version("1.0", [static], [lock])

    assert len({before, after_file, after_library}) == 3
    assert asset_version("1.0", [static], [lock]) == after_library
