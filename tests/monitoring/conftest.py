"""Two organisations with a coordinator each (API tokens and sign-in e-mails), settings that let
sources on loopback be fetched quickly, and a news site on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import base_settings
from tests.monitoring.news_server import NewsServer, news_server
from tests.orgs.factories import make_org, make_person, token_headers
from vigil.app import create_app
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.policy import Role
from vigil.monitoring import fetching


@dataclass
class Desk:
    headers: dict[str, str]
    org_id: int
    email: str


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Private addresses allowed (the sources are on loopback), no wait between requests to a
    host, a cap of 1 MB."""
    fetching.forget_hosts()
    return base_settings(
        db_url,
        tmp_path / "data",
        webhook_allow_private=True,
        monitoring_host_interval_seconds=0.0,
        monitoring_timeout_seconds=5.0,
        monitoring_deadline_seconds=10.0,
        monitoring_max_bytes=1024 * 1024,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture
def desks(settings: Settings) -> tuple[Desk, Desk]:
    """A coordinator of organisation A and one of organisation B (unrelated)."""
    made = []
    with transaction(settings.sqlalchemy_url) as session:
        for _ in range(2):
            org = make_org(session)
            person = make_person(session, settings, org=org, role=Role.coordinator)
            made.append(Desk(token_headers(session, person, org), org.id, person.email))
    return made[0], made[1]


@pytest.fixture
def site() -> Iterator[NewsServer]:
    with news_server() as found:
        yield found
