"""Servers the TAXII client tests (and bench/taxii.py) drive: the reference TAXII 2.1 server,
medallion with its memory backend, on a free loopback port for as long as a block runs."""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from medallion import register_blueprints, set_config
from werkzeug.serving import make_server

MEDALLION_ROOT = "api1"
MEDALLION_COLLECTION = "472c94ae-3113-4e3e-a4dd-a9f4ac7471d4"


def medallion_data(objects: list[dict[str, Any]], date_added: str) -> dict[str, Any]:
    """A memory-backend file: one API root, one readable and writable collection."""
    return {
        "/discovery": {
            "title": "medallion",
            "description": "the reference TAXII 2.1 server",
            "default": f"/{MEDALLION_ROOT}/",
            "api_roots": [f"/{MEDALLION_ROOT}/"],
        },
        MEDALLION_ROOT: {
            "information": {
                "title": "api1",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 100_000_000,
            },
            "status": [],
            "collections": [
                {
                    "id": MEDALLION_COLLECTION,
                    "title": "everything",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": objects,
                    "manifest": [
                        {
                            "id": o["id"],
                            "date_added": date_added,
                            "version": o.get("modified", o.get("created")),
                            "media_type": "application/stix+json;version=2.1",
                        }
                        for o in objects
                    ],
                }
            ],
        },
    }


@contextmanager
def medallion(
    objects: list[dict[str, Any]],
    *,
    user: str,
    password: str,
    date_added: str = "2026-01-01T00:00:00.000000Z",
    page_size: int = 1000,
) -> Iterator[str]:
    """medallion serving `objects`; yields its discovery URL."""
    with medallion_served(
        objects, user=user, password=password, date_added=date_added, page_size=page_size
    ) as (discovery, _held):
        yield discovery


def held_objects(backend: Any) -> list[dict[str, Any]]:
    """What medallion's collection holds, read from its memory backend (its GET sorts by a
    property named `version`, which an extension-definition has, and fails on them)."""
    collection = backend.data[MEDALLION_ROOT]["collections"][0]
    return list(collection.get("objects", []))


@contextmanager
def medallion_served(
    objects: list[dict[str, Any]],
    *,
    user: str,
    password: str,
    date_added: str = "2026-01-01T00:00:00.000000Z",
    page_size: int = 1000,
) -> Iterator[tuple[str, Any]]:
    """medallion serving `objects`; yields its discovery URL and its memory backend."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data.json"
        data.write_text(json.dumps(medallion_data(objects, date_added)))
        app = Flask("medallion")
        config = {
            "users": {user: password},
            "taxii": {"max_page_size": page_size},
            "backend": {
                "module": "medallion.backends.memory_backend",
                "module_class": "MemoryBackend",
                "filename": str(data),
            },
        }
        for part in ("users", "taxii", "backend"):
            set_config(app, part, config)
        register_blueprints(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}/taxii2/", app.medallion_backend
        finally:
            server.shutdown()
            thread.join(timeout=10)
