"""A real OpenID provider on loopback for the single sign-on tests (oidc_provider.mjs, run by
node), and a browser-free walk through a sign-in: Vigil -> the provider's sign-in and consent
forms -> Vigil's callback, cookies kept on each side as a browser keeps them."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.html import parse

SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
CLIENT_SECRET = "provider-client-secret-0123456789abcdef"
# The organisations the tests set single sign-on up for; their callbacks are registered.
SLUGS = ("acme", "other-org")
START_SECONDS = 30


@dataclass
class Provider:
    issuer: str
    accounts_file: Path

    def set_account(self, login: str, **claims: Any) -> None:
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = claims
        self.accounts_file.write_text(json.dumps(accounts))


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """The provider knows two clients: Vigil ("vigil") and a stranger ("other-client") whose
    tokens Vigil must not take. Vigil's public address is the tests' default one."""
    from vigil.core.config import Settings

    public_url = Settings(env="test").public_url
    folder = tmp_path_factory.mktemp("oidc")
    accounts = folder / "accounts.json"
    accounts.write_text("{}")
    callbacks = [f"{public_url}/login/sso/{slug}/callback" for slug in SLUGS]
    config = {
        "port": 0,
        "accounts": str(accounts),
        "clients": [
            {"client_id": cid, "client_secret": CLIENT_SECRET, "redirect_uris": callbacks}
            for cid in ("vigil", "other-client")
        ],
    }
    (folder / "config.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        ["node", str(SCRIPT), str(folder / "config.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    ready: list[str] = []
    reader = threading.Thread(target=lambda: ready.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(START_SECONDS)
    line = ready[0] if ready else ""
    if not line.startswith("listening "):
        process.kill()
        pytest.fail(f"the OpenID provider did not start: {line!r}")
    try:
        yield Provider(issuer=line.split()[1], accounts_file=accounts)
    finally:
        process.terminate()
        process.wait(10)


def through_provider(
    provider: Provider, url: str, login: str, idp: httpx.Client | None = None
) -> str:
    """Follow the provider's pages from an authorization request until it sends the browser
    back; fills its sign-in form with `login` and accepts its consent form. Returns the
    address it sends the browser back to."""
    own = idp or httpx.Client(follow_redirects=False, trust_env=False)
    try:
        for _step in range(12):
            if not url.startswith(provider.issuer):
                return url
            response = own.get(url)
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                continue
            assert response.status_code == 200, response.text
            form = parse(response.text).find("form")
            fields = {
                i.attrs["name"]: i.attrs.get("value", "")
                for i in form.find_all("input")
                if "name" in i.attrs
            }
            if fields.get("prompt") == "login":
                fields |= {"login": login, "password": "whatever the provider checks"}
            posted = own.post(urljoin(url, form.attrs["action"]), data=fields)
            assert posted.is_redirect, posted.text
            url = urljoin(url, posted.headers["location"])
        raise AssertionError(f"the provider never sent the browser back: {url}")
    finally:
        if idp is None:
            own.close()


def sign_in_through(
    client: TestClient,
    provider: Provider,
    slug: str,
    login: str,
    tamper: Callable[[str], str] = lambda url: url,
) -> httpx.Response:
    """The whole trip: Vigil's start page, the provider, Vigil's callback (its answer)."""
    start = client.get(f"/login/sso/{slug}", follow_redirects=False)
    assert start.status_code == 303, start.text
    back = through_provider(provider, tamper(start.headers["location"]), login)
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)
