"""OpenAPI for routes that answer a document rather than JSON (PDF, CSV, CAP XML, Atom, events),
so the schema says what they really send and API clients and schemathesis can rely on it."""

from __future__ import annotations

from typing import Any


def sends(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route whose 200 answer is `media_type`."""
    return {200: {"content": {media_type: {}}, "description": description}}
