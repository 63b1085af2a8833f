"""What the OpenAPI schema says beyond FastAPI's defaults, so that API clients and schemathesis
can rely on it: the media type of routes that answer a document rather than JSON (PDF, CSV, CAP
XML, Atom, events), and the problem+json answers every API route may give, declared once here
for all routes instead of route by route."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import BaseRoute

from vigil.core.deps import get_optional_principal
from vigil.core.errors import PROBLEM
from vigil.core.middleware import BODY_LIMIT_ATTRIBUTE

API_PREFIX = "/api/"
PDF = "application/pdf"
SIGN_IN_TAG = "auth"  # routes that check credentials themselves (wrong ones are a 401)
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "description": "An error as RFC 9457 problem details.",
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string", "description": "The kind of error, in English."},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "What is wrong, for a person to read."},
            "instance": {"type": "string", "description": "The path that was requested."},
            "errors": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ProblemError"},
                "description": "Each problem of the input (422).",
            },
        },
    },
    "ProblemError": {
        "title": "ProblemError",
        "description": "One problem of the input: a field of the body, query or form (dotted "
        "path, e.g. `place.city`), or a line and column of an imported CSV file.",
        "type": "object",
        "required": ["message"],
        "properties": {
            "field": {"type": "string"},
            "line": {"type": "integer"},
            "column": {"type": ["string", "null"]},
            "message": {"type": "string"},
        },
    },
}
DESCRIPTIONS = {
    400: "The body could not be read as what it says it is (e.g. JSON that is not UTF-8).",
    401: "Not signed in: no API token or session, or one that is unknown or revoked.",
    403: "Signed in, but your role, organisation or CSRF token does not allow this.",
    404: "No such record, or it is not shared with you.",
    409: "The request conflicts with the current state of the record.",
    413: "The request body is larger than the limit.",
    422: "The input is invalid: `errors` names each field (or CSV line and column) and why.",
    429: "Too many attempts: try again after `Retry-After` seconds.",
    503: "The PDF cannot be made here: its fonts are not installed.",
}
FASTAPI_422 = "Validation Error"
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer"},
    }
}


def sends(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route whose 200 answer is `media_type`."""
    return {200: {"content": {media_type: {}}, "description": description}}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def problem_statuses(route: RouteContext, operation: dict[str, Any]) -> list[int]:
    """The errors an operation can answer with, where that is cheap to know from the route.

    401 and 403 come from reading the caller or signing in (a route that does neither cannot
    give them); 400 and 413 need a body (declared, or read raw under its own `body_limit`).
    404, 409 and 422 may come from any service a route calls, and 429 from throttles inside
    services, so every operation declares them. A PDF answer may be a 503 (fonts missing).
    """
    statuses = [404, 409, 422, 429]
    if get_optional_principal in _calls(route.dependant) or SIGN_IN_TAG in (route.tags or []):
        statuses += [401, 403]
    body_types = operation.get("requestBody", {}).get("content", {})
    if body_types or hasattr(route.endpoint, BODY_LIMIT_ATTRIBUTE):  # a raw body is read
        statuses += [400, 413]
    if PDF in operation.get("responses", {}).get("200", {}).get("content", {}):
        statuses.append(503)
    return sorted(statuses)


def declare_problems(schema: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    """Add the problem+json answers to every API operation of `schema`, in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(PROBLEM_SCHEMAS)
    for route in iter_route_contexts(routes):
        if not (isinstance(route.original_route, APIRoute) and route.include_in_schema):
            continue
        if not (route.path_format or "").startswith(API_PREFIX):
            continue
        for method in route.methods or ():
            operation = schema["paths"].get(route.path_format or "", {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(route, operation):
                # A route's own words stay; FastAPI's generic "Validation Error" does not.
                said = responses.get(str(status), {}).get("description")
                answer: dict[str, Any] = {
                    "description": said if said and said != FASTAPI_422 else DESCRIPTIONS[status],
                    "content": {PROBLEM: {"schema": PROBLEM_REF}},
                }
                if status == 429:
                    answer["headers"] = RETRY_AFTER
                responses[str(status)] = answer
            operation["responses"] = dict(sorted(responses.items()))
    # FastAPI's own 422 shape is answered by no route any more.
    for unused in ("HTTPValidationError", "ValidationError"):
        rest = {k: v for k, v in components.items() if k != unused}
        if f'"#/components/schemas/{unused}"' not in json.dumps([schema["paths"], rest]):
            components.pop(unused, None)


def install(app: FastAPI) -> None:
    """Complete the app's OpenAPI schema each time FastAPI generates it."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        # FastAPI regenerates the schema when routes change; each new one is completed once.
        schema = generate()
        if "Problem" not in schema.get("components", {}).get("schemas", {}):
            declare_problems(schema, app.routes)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
