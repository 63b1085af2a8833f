"""An instance with a reporter, and an empty instance of the same backend to restore into."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import _drop_pg, _pg_exec, _pg_url_for, base_settings
from tests.orgs.factories import make_org, make_person, token_headers
from tests.test_cli import Vigil, _env
from vigil.core.config import Settings
from vigil.core.db import get_engine
from vigil.core.policy import Role


@dataclass
class Instance:
    settings: Settings
    vigil: Vigil


def instance(settings: Settings) -> Instance:
    return Instance(settings, Vigil(_env(settings.sqlalchemy_url, settings.data_dir)))


@pytest.fixture
def source(settings: Settings) -> Instance:
    return instance(settings)


@pytest.fixture
def target(db_url: str, tmp_path: Path) -> Iterator[Instance]:
    """A never-migrated database of the source's backend, and an empty data directory."""
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'restored' / 'vigil.db'}"
        yield instance(base_settings(url, tmp_path / "restored"))
        get_engine(url).dispose()
        return
    name = f"vigil_restore_{uuid.uuid4().hex[:12]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    url = _pg_url_for(name)
    yield instance(base_settings(url, tmp_path / "restored"))
    get_engine(url).dispose()
    _drop_pg(name)


@pytest.fixture
def reporter(committed: Session, settings: Settings) -> dict[str, str]:
    org = make_org(committed)
    person = make_person(committed, settings, org=org, role=Role.reporter)
    headers = token_headers(committed, person, org)
    committed.commit()
    return headers


def post_report(client: TestClient, headers: dict[str, str], title: str) -> int:
    body = {"title": title, "occurred_from": "2026-01-02T10:00:00+00:00", "type": "damage"}
    response = client.post("/api/v1/reports", json=body, headers=headers)
    assert response.status_code == 201, response.text
    report_id: int = response.json()["id"]
    return report_id
