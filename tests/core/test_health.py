"""Liveness and readiness: /readyz is 503 unless the database answers at the head migration."""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic import command
from fastapi.testclient import TestClient

from tests.conftest import base_settings
from vigil.app import create_app
from vigil.core.db import get_engine
from vigil.core.migrate import alembic_config, head_revision, upgrade


def test_healthz_answers_while_the_process_lives(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_on_a_migrated_database(client: TestClient, db_url: str) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["migration"] == head_revision(db_url)


def test_readyz_is_503_when_the_database_is_behind_and_ok_once_upgraded(
    client: TestClient, db_url: str
) -> None:
    command.downgrade(alembic_config(db_url), "base")

    behind = client.get("/readyz")

    assert behind.status_code == 503
    body = behind.json()
    assert (body["database"], body["migration"]) == ("reachable", None)
    assert body["expected"] == head_revision(db_url)

    upgrade(db_url)
    assert client.get("/readyz").status_code == 200


def test_readyz_is_503_on_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    settings = base_settings(url, tmp_path / "data")
    try:
        with TestClient(create_app(settings)) as client:
            response = client.get("/readyz")
    finally:
        get_engine(url).dispose()

    assert response.status_code == 503
    assert response.json()["migration"] is None


def test_readyz_is_503_when_the_database_is_unreachable(db_url: str, tmp_path: Path) -> None:
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'no-such-directory' / 'vigil.db'}"
    else:
        url = f"{db_url.rpartition('/')[0]}/vigil_missing_{uuid.uuid4().hex[:8]}"
    settings = base_settings(url, tmp_path / "data")
    try:
        with TestClient(create_app(settings)) as client:
            response = client.get("/readyz")
            alive = client.get("/healthz")
    finally:
        get_engine(url).dispose()

    assert response.status_code == 503
    assert response.json()["database"].startswith("unreachable")
    assert alive.status_code == 200, "liveness does not depend on the database"
