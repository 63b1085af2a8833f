"""The egress guard checks the address it connects to (DECISIONS 33): a name is resolved once
per request, every address it has is checked, and the connection goes to a checked address
with the name kept in the Host header; a name resolving to loopback is refused unless the
operator allows private addresses."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.monitoring.conftest import Desk
from tests.monitoring.news_server import NewsServer, Route
from tests.monitoring.test_sources import add, poll
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.egress import Refused, guarded_client


def test_a_name_resolving_to_loopback_is_refused_without_the_opt_in(site: NewsServer) -> None:
    site.routes["/x"] = Route(b"hello")
    port = site.url.rsplit(":", 1)[1]
    with (
        guarded_client(allow_private=False, timeout=2) as client,
        pytest.raises(Refused) as refused,
    ):
        client.get(f"http://localhost:{port}/x")
    assert "not a public address" in str(refused.value)
    assert site.paths() == []
    with guarded_client(allow_private=True, timeout=2) as client:
        assert client.get(f"http://localhost:{port}/x").text == "hello"


def test_the_name_is_resolved_once_and_the_checked_address_is_connected_to(
    site: NewsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.routes["/x"] = Route(b"hello")
    port = int(site.url.rsplit(":", 1)[1])
    asked: list[str] = []
    real = socket.getaddrinfo

    def resolver(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "news.rebind.test":
            asked.append(host)
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with guarded_client(allow_private=True, timeout=2) as client:
        answer = client.get(f"http://news.rebind.test:{port}/x")

    assert answer.text == "hello"
    assert asked == ["news.rebind.test"]  # one answer, checked and connected to
    assert site.requests[0][1]["Host"] == f"news.rebind.test:{port}"


def test_a_poll_after_the_opt_in_was_withdrawn_is_refused(
    client: TestClient, desks: tuple[Desk, Desk], site: NewsServer, settings: Settings
) -> None:
    site.routes["/feed.xml"] = Route(b"<rss/>")
    source = add(client, desks[0], url=f"{site.url}/feed.xml")
    guarded = settings.model_copy(update={"webhook_allow_private": False})
    with TestClient(create_app(guarded)) as strict:
        result = poll(strict, desks[0], source["id"])
    assert "not a public address" in result["error"]
    assert site.paths() == []
