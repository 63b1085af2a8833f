"""Bad input gets a 4xx problem+json saying what is wrong; every answer has the security headers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import base_settings
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.errors import PROBLEM
from vigil.core.policy import Role

MIB = 1024 * 1024
# Beyond PostgreSQL's INTEGER ids (32 bits) and beyond SQLite's 64-bit integers.
OUT_OF_RANGE_IDS = [2**31, 2**63, 10**20, -(10**20)]


@pytest.fixture
def analyst(committed: Session, settings: Settings) -> dict[str, str]:
    org = make_org(committed)
    person = make_person(committed, settings, org=org, role=Role.analyst)
    headers = token_headers(committed, person)
    committed.commit()
    return headers


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def test_unknown_field_is_422_naming_the_field(client: TestClient, analyst: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/notices", headers=analyst, json={"title": "Patrols", "colour": "red"}
    )

    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["colour"]
    assert "colour" in body["detail"]


def test_wrong_type_is_422_naming_the_field(client: TestClient, analyst: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/notices",
        headers=analyst,
        json={"title": "Patrols", "recipients": {"organisation_ids": ["not-an-id"]}},
    )

    body = assert_problem(response, 422)
    fields = [e["field"] for e in body["errors"]]
    assert fields == ["recipients.organisation_ids.0"]


def test_unknown_tlp_level_is_422_naming_tlp(client: TestClient, analyst: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/notices", headers=analyst, json={"title": "Patrols", "tlp": "white"}
    )

    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["tlp"]


def test_malformed_json_is_422(client: TestClient, analyst: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/notices",
        headers={**analyst, "Content-Type": "application/json"},
        content=b'{"title": "Patrols",',
    )

    assert_problem(response, 422)


def test_body_over_one_mib_with_content_length_is_413(
    client: TestClient, analyst: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/notices",
        headers={**analyst, "Content-Type": "application/json"},
        content=b" " * (MIB + 1),
    )

    assert response.request.headers["content-length"] == str(MIB + 1)
    body = assert_problem(response, 413)
    assert str(MIB) in body["detail"]


def test_chunked_body_over_one_mib_without_content_length_is_413(
    client: TestClient, analyst: dict[str, str]
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(17):
            yield b" " * (64 * 1024)

    response = client.post(
        "/api/v1/notices",
        headers={**analyst, "Content-Type": "application/json"},
        content=chunks(),
    )

    assert "content-length" not in response.request.headers
    body = assert_problem(response, 413)
    assert str(MIB) in body["detail"]


def test_body_of_exactly_one_mib_is_read_and_validated(
    client: TestClient, analyst: dict[str, str]
) -> None:
    start, end = b'{"title": "Patrols", "body": "', b'"}'
    payload = start + b"x" * (MIB - len(start) - len(end)) + end

    response = client.post(
        "/api/v1/notices",
        headers={**analyst, "Content-Type": "application/json"},
        content=payload,
    )

    # Not refused for its size: read, then refused for a body text over its own limit.
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["body"]


def test_path_id_beyond_the_databases_range_is_4xx_not_a_server_error(
    client: TestClient, analyst: dict[str, str]
) -> None:
    # Regression (found by schemathesis): SQLite raised OverflowError, PostgreSQL
    # "integer out of range"; both answered 500. Within SQLite's range it is simply not found.
    for big in OUT_OF_RANGE_IDS:
        for path in (f"/api/v1/notices/{big}", f"/api/v1/organisations/{big}"):
            response = client.get(path, headers=analyst)
            assert response.status_code in (404, 422), (path, response.text)
            assert response.headers["content-type"] == PROBLEM


def test_recipient_id_beyond_the_databases_range_is_422(
    client: TestClient, analyst: dict[str, str]
) -> None:
    for big in OUT_OF_RANGE_IDS:
        response = client.post(
            "/api/v1/notices",
            headers=analyst,
            json={"title": "Patrols", "recipients": {"organisation_ids": [big]}},
        )
        assert_problem(response, 422)


def test_text_with_a_nul_character_is_not_a_server_error(
    client: TestClient, analyst: dict[str, str]
) -> None:
    # Regression (found by schemathesis): PostgreSQL cannot store NUL in text and answered 500.
    response = client.post("/api/v1/notices", headers=analyst, json={"title": "Pa\u0000trols"})

    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        assert_problem(response, 422)


def raw_get(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    """A GET with header bytes exactly as a server passes them (TestClient re-encodes them)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    async def call() -> None:
        try:
            await app(scope, receive, send)
        except Exception:  # noqa: BLE001 - the server error middleware has answered 500
            if not status:
                raise

    asyncio.run(call())
    return status[0]


def test_non_ascii_digit_in_org_header_is_not_a_server_error(
    client: TestClient, analyst: dict[str, str]
) -> None:
    token = analyst["Authorization"].encode()
    headers = [(b"authorization", token), (b"x-vigil-org", b"\xb2")]  # latin-1 superscript two

    assert raw_get(client.app, "/api/v1/notices", headers) == 422  # type: ignore[arg-type]


def test_acting_for_an_organisation_you_are_not_in_is_refused(
    client: TestClient, analyst: dict[str, str]
) -> None:
    response = client.get("/api/v1/notices", headers={**analyst, "X-Vigil-Org": "999999"})

    assert response.status_code == 403
    assert "999999" in response.json()["detail"]


# --- security headers (DECISIONS 27) --------------------------------------------------------


def responses_of_every_kind(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    json_headers = {**headers, "Content-Type": "application/json"}
    return {
        "200 health": client.get("/healthz"),
        "200 api": client.get("/api/v1/notices", headers=headers),
        "401": client.get("/api/v1/notices"),
        "404": client.get("/api/v1/no-such-route", headers=headers),
        "422": client.post("/api/v1/notices", headers=headers, json={"nope": 1}),
        "413 declared": client.post(
            "/api/v1/notices", headers=json_headers, content=b" " * (MIB + 1)
        ),
        "413 chunked": client.post(
            "/api/v1/notices", headers=json_headers, content=iter([b" " * (MIB + 1)])
        ),
    }


def test_every_response_carries_the_security_headers(
    client: TestClient, analyst: dict[str, str]
) -> None:
    for kind, response in responses_of_every_kind(client, analyst).items():
        csp = response.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp, kind
        assert "script-src 'self'" in csp, kind
        assert "unsafe-inline" not in csp, kind
        assert response.headers.get("x-content-type-options") == "nosniff", kind
        assert response.headers.get("referrer-policy"), kind
        assert "strict-transport-security" not in response.headers, kind


def test_hsts_is_sent_only_when_served_over_https(db_url: str, tmp_path: Path) -> None:
    settings = base_settings(db_url, tmp_path / "data", https=True)
    with TestClient(create_app(settings)) as client:
        for kind, response in responses_of_every_kind(client, {}).items():
            hsts = response.headers.get("strict-transport-security", "")
            assert hsts.startswith("max-age="), kind
            assert int(hsts.split("=")[1].split(";")[0]) >= 31536000, kind
