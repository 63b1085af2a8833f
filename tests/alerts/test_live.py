"""The live channel over a real server: an open event stream shows an alert within a second of
it being sent, and only to those who may read it."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from tests.alerts.factories import build_world, send
from tests.e2e.conftest import serve
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.policy import Role
from vigil.orgs.models import Person


def _listen(
    url: str, headers: dict[str, str], found: queue.Queue[Any], stop: threading.Event
) -> None:
    """A page's EventSource, on a plain socket so the test can hang up at once."""
    host, port = urlsplit(url).hostname or "", urlsplit(url).port or 80
    lines = ["GET /api/v1/alerts/stream HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{k}: {v}" for k, v in {**headers, "Accept": "text/event-stream"}.items()]
    with socket.create_connection((host, port), timeout=0.1) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        buffer = b""
        while not stop.is_set():
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                return
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                line = raw.decode().strip()
                if line.startswith("HTTP/1.1 "):
                    found.put(("status", int(line.split()[1])))
                elif line.startswith("data: "):
                    found.put(("alert", json.loads(line[6:]), time.monotonic()))


def _next_alert(found: queue.Queue[Any], timeout: float = 5) -> tuple[dict[str, Any], float]:
    deadline = time.monotonic() + timeout
    while True:
        item = found.get(timeout=max(0.01, deadline - time.monotonic()))
        if item[0] == "alert":
            return item[1], item[2]


def test_an_open_page_hears_of_an_alert_within_a_second(settings: Settings) -> None:
    world = build_world(settings, sites=2, contacts=1)
    with transaction(settings.sqlalchemy_url) as session:
        member = session.get(Person, world.member_id)
        assert member is not None
        member_headers = token_headers(session, member)
        stranger_org = make_org(session)
        stranger = make_person(session, settings, org=stranger_org, role=Role.viewer)
        stranger_headers = token_headers(session, stranger)
    stop = threading.Event()
    with serve(settings) as url:
        heard: queue.Queue[Any] = queue.Queue()
        outsider: queue.Queue[Any] = queue.Queue()
        for headers, sink in ((member_headers, heard), (stranger_headers, outsider)):
            threading.Thread(target=_listen, args=(url, headers, sink, stop), daemon=True).start()
        assert heard.get(timeout=10) == ("status", 200)
        assert outsider.get(timeout=10) == ("status", 200)

        sent_at = time.monotonic()
        restricted = send(settings, world, headline="Shots fired near Stephansplatz")
        alert, arrived = _next_alert(heard)
        assert alert["id"] == restricted and alert["headline"] == "Shots fired near Stephansplatz"
        assert arrived - sent_at < 1.0, f"took {arrived - sent_at:.2f} s"

        public = send(settings, world, headline="Road closed", tlp="clear")
        assert _next_alert(heard)[0]["id"] == public
        # The stranger hears the public alert, and never heard the restricted one before it.
        assert _next_alert(outsider)[0]["id"] == public
        stop.set()  # the pages close: the server ends their streams


def test_a_plain_request_gets_the_current_alerts_once(
    settings: Settings, client: TestClient
) -> None:
    world = build_world(settings, sites=2, contacts=1)  # the second site is the member's
    alert_id = send(settings, world)
    with transaction(settings.sqlalchemy_url) as session:
        member = session.get(Person, world.member_id)
        assert member is not None
        headers = token_headers(session, member)
    response = client.get("/api/v1/alerts/stream", headers=headers)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert f"id: {alert_id}" in response.text
    assert client.get("/api/v1/alerts/stream").status_code == 401
