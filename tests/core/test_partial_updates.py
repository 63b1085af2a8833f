"""Null in a partial update (PATCH and the like): one rule for every field of every such route.

A field sent as null is refused with a 422 naming it, unless the schema declares it nullable,
in which case null clears it (and the request succeeds). The walk takes the operations from the
OpenAPI schema, so a route added later is walked too.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.core.factories import World, build_api_world
from vigil.core.config import Settings
from vigil.core.errors import PROBLEM
from vigil.core.partial import CLEARED, NULL_REFUSED

PATCH_LIKE = {
    "PATCH /api/v1/organisations/{org_id}",
    "PATCH /api/v1/organisations/{org_id}/members/{person_id}",
    "PATCH /api/v1/notices/{notice_id}",
    "PATCH /api/v1/assessments/{assessment_id}/answers",
    "PATCH /api/v1/measures/{measure_id}",
    "PATCH /api/v1/incidents/{incident_id}",
    "PATCH /api/v1/sites/{site_id}",
    "PATCH /api/v1/incidents/{incident_id}/playbook/tasks/{task_id}",
    "POST /api/v1/alerts/{alert_id}/update",
    "PATCH /api/v1/sharing/peers/{peer_id}",
    "PATCH /api/v1/monitoring/sources/{source_id}",
}
NEVER_NULL = "Never null."


@pytest.fixture
def world(client: TestClient, committed: Session, settings: Settings) -> World:
    return build_api_world(client, committed, settings)


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def accepts_null(prop: dict[str, Any]) -> bool:
    types = [prop.get("type"), *(v.get("type") for v in prop.get("anyOf", []))]
    return "null" in types or any(isinstance(t, list) and "null" in t for t in types)


def writing_operations(schema: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(label, method, path, body schema) of every operation that changes a record in place."""
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            if method in ("patch", "put") or path.endswith("/update"):
                body = resolve(schema, content["application/json"]["schema"])
                found.append((f"{method.upper()} {path}", method, path, body))
    return found


def null_answer_problem(label: str, name: str, prop: dict[str, Any], response: Any) -> str:
    """What is wrong with the answer to `{name: null}`, or "" when it follows the rule."""
    partial = label in PATCH_LIKE
    said = prop.get("description", "")
    if accepts_null(prop):
        if partial and (response.status_code >= 300 or CLEARED not in said):
            return "null should clear the field, and its description say so"
        return "null of a nullable field is a server error" if response.status_code >= 500 else ""
    if response.status_code != 422 or response.headers["content-type"] != PROBLEM:
        return "null should be a problem+json 422"
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    if name not in errors:
        return "the 422 should name the field"
    if partial and (errors[name] != NULL_REFUSED or NEVER_NULL not in said):
        return f"the 422 should say {NULL_REFUSED!r} and the description {NEVER_NULL!r}"
    return ""


def test_null_is_refused_naming_the_field_unless_the_schema_says_it_clears(
    client: TestClient, world: World
) -> None:
    schema = client.get("/api/openapi.json").json()
    walked: set[str] = set()
    failures: list[str] = []
    for label, method, path, body_schema in writing_operations(schema):
        url = path.format(**world.ids)
        required = body_schema.get("required", [])
        assert body_schema["properties"], label
        walked.add(label)
        for name, prop in body_schema["properties"].items():
            body = {r: world.required[r] for r in required if r != name} | {name: None}
            response = client.request(method, url, headers=world.headers, json=body)
            problem = null_answer_problem(label, name, prop, response)
            if problem:
                failures.append(
                    f"{label} {{{name!r}: null}} -> {response.status_code}: {problem}; "
                    f"{response.text[:200]}"
                )

    assert walked >= PATCH_LIKE, PATCH_LIKE - walked
    assert not failures, "\n".join(failures)
