"""The OpenAPI schema declares the problem+json answers routes give (401, 403, 404, 409, 413,
422, 429), once for all routes, and the answers really have the declared shape."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.alerts.test_cap import cap_bytes
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.core.config import Settings
from vigil.core.errors import PROBLEM
from vigil.core.policy import Role

PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture
def schema(client: TestClient) -> dict[str, Any]:
    found: dict[str, Any] = client.get("/api/openapi.json").json()
    return found


def declared_problems(operation: dict[str, Any]) -> set[int]:
    return {
        int(status)
        for status, answer in operation["responses"].items()
        if answer.get("content", {}).get(PROBLEM, {}).get("schema", {}).get("$ref") == PROBLEM_REF
    }


def test_every_api_operation_declares_its_problem_answers(schema: dict[str, Any]) -> None:
    operations = {
        (method.upper(), path): operation
        for path, methods in schema["paths"].items()
        if path.startswith("/api/")
        for method, operation in methods.items()
    }
    assert len(operations) > 100
    for (method, path), operation in operations.items():
        problems = declared_problems(operation)
        assert {404, 409, 422, 429} <= problems, (method, path)
        assert ("requestBody" in operation) <= (413 in problems), (method, path)
        assert "application/json" not in operation["responses"]["422"].get("content", {})

    assert {401, 403} <= declared_problems(operations["GET", "/api/v1/notices"])
    assert {401, 403} <= declared_problems(operations["POST", "/api/v1/auth/token"])
    public = declared_problems(operations["GET", "/api/v1/public/receipts/{receipt}"])
    assert not {401, 403} & public
    assert 413 in declared_problems(operations["POST", "/api/v1/alerts/import"])
    pdf = declared_problems(operations["GET", "/api/v1/assessments/{assessment_id}/report.pdf"])
    assert 503 in pdf and 503 not in public
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_error_answers_have_the_declared_status_and_shape(
    client: TestClient, committed: Session, settings: Settings, schema: dict[str, Any]
) -> None:
    org = make_org(committed)
    coordinator = token_headers(
        committed, make_person(committed, settings, org=org, role=Role.coordinator), org
    )
    viewer = token_headers(committed, make_person(committed, settings, org=org, role=Role.viewer))
    committed.commit()
    assert client.post("/api/v1/alerts/import", content=cap_bytes(), headers=coordinator).is_success
    csv_rows = b"name,type,lat,lon\nSchool,arena,52.5,13.4\n"
    answers = {
        ("GET", "/api/v1/me"): client.get("/api/v1/me"),
        ("POST", "/api/v1/notices"): client.post(
            "/api/v1/notices", headers=viewer, json={"title": "Patrols"}
        ),
        ("GET", "/api/v1/notices/{notice_id}"): client.get(
            "/api/v1/notices/999999", headers=viewer
        ),
        ("POST", "/api/v1/alerts/import"): client.post(
            "/api/v1/alerts/import", content=cap_bytes(), headers=coordinator
        ),
        ("POST", "/api/v1/sites/import"): client.post(
            "/api/v1/sites/import",
            params={"dry_run": "false"},
            files={"file": ("sites.csv", csv_rows, "text/csv")},
            headers=coordinator,
        ),
        ("PATCH", "/api/v1/organisations/{org_id}"): client.patch(
            f"/api/v1/organisations/{org.id}",
            headers={**coordinator, "content-type": "application/json"},
            content=b" " * (settings.max_body_bytes + 1),
        ),
    }
    problem_schema = {"$ref": PROBLEM_REF, "components": schema["components"]}
    validator = jsonschema_rs.validator_for(problem_schema)

    statuses = set()
    for (method, path), response in answers.items():
        declared = schema["paths"][path][method.lower()]["responses"]
        assert str(response.status_code) in declared, (method, path, response.status_code)
        assert response.headers["content-type"] == PROBLEM, (method, path)
        validator.validate(response.json())
        statuses.add(response.status_code)
    assert statuses == {401, 403, 404, 409, 413, 422}
