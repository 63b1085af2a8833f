"""Traces: a real `vigil serve` sends its spans over OTLP/HTTP to a receiver started here, named
by route template, with SQL statements and no query string, e-mail or client address."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.core.test_metrics import HTTP, serving
from tests.sharing.instances import instance_env

pytestmark = pytest.mark.xdist_group("metrics")

EMAIL = "someone.private@example.org"


class Receiver(ThreadingHTTPServer):
    """An OTLP/HTTP trace receiver on loopback: keeps each export's raw body and its spans."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bodies: list[bytes] = []
        self.spans: list[Span] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path != "/v1/traces":
            self.send_response(404)
            self.end_headers()
            return
        export = ExportTraceServiceRequest.FromString(body)
        self.server.bodies.append(body)
        for resource in export.resource_spans:
            for scope in resource.scope_spans:
                self.server.spans.extend(scope.spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def attributes(span: Span) -> dict[str, object]:
    return {a.key: getattr(a.value, a.value.WhichOneof("value")) for a in span.attributes}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a real server: one is enough
def test_spans_arrive_by_route_without_personal_data(
    db_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    env = instance_env("traced", db_url, tmp_path / "data", 0)
    env.update(VIGIL_OTLP_ENDPOINT=receiver.url, OTEL_BSP_SCHEDULE_DELAY="200")
    with serving(env, tmp_path / "serve.log") as url:
        answer = HTTP.get(
            f"{url}/api/v1/incidents/4711", params={"email": EMAIL, "q": "zebra-7f3a"}
        )
        assert answer.status_code == 401
        wrong = {"email": EMAIL, "password": "not the password at all"}
        assert HTTP.post(f"{url}/api/v1/auth/token", json=wrong).status_code == 401
        deadline = time.monotonic() + 60
        names: set[str] = set()
        while "POST /api/v1/auth/token" not in names or not any(
            "db.statement" in attributes(s) for s in receiver.spans
        ):
            assert time.monotonic() < deadline, f"spans received: {names}"
            time.sleep(0.2)
            names = {s.name for s in receiver.spans}
    assert "GET /api/v1/incidents/{incident_id}" in names
    server = [s for s in receiver.spans if s.kind == Span.SPAN_KIND_SERVER]
    routes = {attributes(s).get("http.route") for s in server}
    assert {"/api/v1/incidents/{incident_id}", "/api/v1/auth/token"} <= routes
    statements = [str(attributes(s).get("db.statement")) for s in receiver.spans]
    assert any("FROM people" in statement for statement in statements), statements
    kept = {key for s in server for key in attributes(s)}
    assert not kept & {"net.peer.ip", "client.address", "http.client_ip", "http.user_agent"}
    raw = b"".join(receiver.bodies)
    for private in (EMAIL.encode(), b"zebra-7f3a", b"4711", b"python-httpx"):
        assert private not in raw
