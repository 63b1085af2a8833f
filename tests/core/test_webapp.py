"""The installable app over HTTP: every page links the web manifest, its icons and the theme
colour; the manifest is served as application/manifest+json with what installing needs, in the
language asked for; each icon it names exists at the size it states, the maskable one filling
its square; the favicon answers at the root; the colours are vigil.css's."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from tests.html import html

CSS = Path(__file__).resolve().parents[2] / "src" / "vigil" / "static" / "vigil.css"
SVG = "{http://www.w3.org/2000/svg}"


def _css_colour(name: str) -> str:
    found = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})\s*;", CSS.read_text())
    assert found, f"--{name} is not in vigil.css"
    return found.group(1).lower()


def _manifest(client: TestClient, query: str = "") -> dict[str, Any]:
    response = client.get("/manifest.webmanifest" + query)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "application/manifest+json"
    body: dict[str, Any] = response.json()
    return body


def test_every_page_links_the_manifest_the_icons_and_the_theme_colour(
    client: TestClient,
) -> None:
    for path in ("/login", "/report/status?lang=cs"):
        page = html(client.get(path))
        links = {(n.attrs["rel"], n.attrs["href"]) for n in page.find_all("link")}
        lang = "cs" if "lang=cs" in path else "en"
        assert ("manifest", f"/manifest.webmanifest?lang={lang}") in links
        assert ("icon", "/favicon.ico") in links
        assert ("icon", "/static/icons/vigil.svg") in links
        assert ("apple-touch-icon", "/static/icons/apple-touch-icon.png") in links
        theme = page.find("meta", name="theme-color").attrs["content"]
        assert theme == _css_colour("brand")
        for rel, href in links:
            if rel in {"icon", "apple-touch-icon", "manifest"}:
                assert client.get(href).status_code == 200, href


def test_the_manifest_has_what_installing_needs(client: TestClient) -> None:
    manifest = _manifest(client)

    assert manifest["name"] == manifest["short_name"] == "Vigil"
    assert (manifest["id"], manifest["start_url"], manifest["scope"]) == ("/", "/", "/")
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == _css_colour("brand")
    assert manifest["background_color"] == _css_colour("wash")
    assert (manifest["lang"], manifest["dir"]) == ("en", "ltr")
    assert manifest["description"] == "Vigil — protecting soft targets together."
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_the_manifest_speaks_the_language_asked_for(client: TestClient) -> None:
    czech = _manifest(client, "?lang=cs")
    hebrew = _manifest(client, "?lang=he")

    assert (czech["lang"], czech["dir"]) == ("cs", "ltr")
    assert czech["description"] == "Vigil — společně chráníme měkké cíle."
    assert (hebrew["lang"], hebrew["dir"]) == ("he", "rtl")
    assert hebrew["name"] == czech["name"] == "Vigil"  # one app, whatever the language
    assert hebrew["id"] == czech["id"] == "/"


def test_each_icon_exists_at_the_size_it_states(client: TestClient) -> None:
    for icon in _manifest(client)["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon
        assert response.headers["content-type"].split(";")[0] == icon["type"], icon
        if icon["type"] == "image/svg+xml":
            root = ET.fromstring(response.content)  # noqa: S314 - our own file
            assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 512 512"
            continue
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "PNG"
        assert "x".join(map(str, image.size)) == icon["sizes"], icon
        rgba = image.convert("RGBA")
        corner = rgba.getpixel((0, 0))
        assert isinstance(corner, tuple)
        if icon.get("purpose") == "maskable":
            # Launchers cut their own shape out of it: the square is filled to the edge.
            assert corner[3] == 255, "the maskable icon has transparent corners"
        else:
            assert corner[3] == 0, "the plain icon should show its rounded corners"


def test_the_favicon_answers_at_the_root_in_three_sizes(client: TestClient) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48)} <= set(icon.info["sizes"])
