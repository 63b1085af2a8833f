"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

Each backend gets one migrated template database per test process; each test gets a fresh
committed copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so API,
browser and multi-process tests see real commits and never share state.
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.pg_pool import Pool
from vigil.app import create_app
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import get_engine, get_sessionmaker
from vigil.core.migrate import upgrade

PG_URL = os.environ.get(
    "VIGIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `--dist loadgroup` pytest-xdist keeps a group on one worker by suffixing its tests'
    node ids with "@group"; when a pytest release stops that working, say so instead of
    letting each worker start the group's expensive fixtures again (the federation's instances,
    the wheel) and the suite run over its budget unnoticed."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
            raise pytest.UsageError(
                f"{item.nodeid} is in an xdist_group but pytest-xdist could not mark it: this "
                "pytest and pytest-xdist do not work together (see pyproject.toml)"
            )


def _pg_admin_dsn() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


def _pg_url_for(dbname: str) -> str:
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{dbname}"


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(_pg_admin_dsn(), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def _pg_exec(sql: str) -> None:
    with psycopg.connect(_pg_admin_dsn(), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _drop_pg(dbname: str) -> None:
    _pg_exec(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def base_settings(url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "database_url": url,
        "data_dir": data_dir,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "secret_key": "test-secret-key-which-is-long-enough-0123456789",
        "audit_key": "test-audit-key-which-is-long-enough-0123456789",
        "log_level": "WARNING",
        "embedded_worker": False,
        # The webhook receivers of the tests listen on loopback (tests/core/test_egress.py
        # checks the refusal with this off).
        "webhook_allow_private": True,
        "node_modules": Path(__file__).resolve().parents[1] / "node_modules",
    }
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    # Entries written straight through the test's sessions are signed as the app would.
    audit.use_key(settings.sqlalchemy_url, settings.audit_key)
    return settings


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated template per backend for this test process."""
    made: dict[str, str] = {}
    sqlite_file = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{sqlite_file}")
    made["sqlite"] = str(sqlite_file)
    problem = _pg_reachable()
    pg_name = f"vigil_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    if problem is None:
        _drop_pg(pg_name)
        _pg_exec(f'CREATE DATABASE "{pg_name}"')
        upgrade(_pg_url_for(pg_name))
        get_engine(_pg_url_for(pg_name)).dispose()
        made["postgresql"] = pg_name
    elif os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_URL}: {problem}")
    else:
        warnings.warn(
            f"PostgreSQL unreachable at {PG_URL} ({problem}): PostgreSQL tests are SKIPPED",
            stacklevel=1,
        )
    yield made
    if "postgresql" in made:
        _drop_pg(made["postgresql"])


@pytest.fixture(scope="session")
def _pg_pool(_templates: dict[str, str]) -> Iterator[Pool | None]:
    """This process's PostgreSQL test databases, emptied and reused (tests/pg_pool.py)."""
    if "postgresql" not in _templates:
        yield None
        return
    dsn = _pg_admin_dsn().rpartition("/")[0]
    pool = Pool(_templates["postgresql"], _pg_exec, lambda name: f"{dsn}/{name}")
    yield pool
    pool.close()


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest,
    _templates: dict[str, str],
    _pg_pool: Pool | None,
    tmp_path: Path,
) -> Iterator[str]:
    """A fresh, migrated, committed database of each backend for one test."""
    backend = request.param
    if backend not in _templates:
        pytest.skip("PostgreSQL unreachable (see the warning above)")
    if backend == "sqlite":
        target = tmp_path / "vigil.db"
        shutil.copyfile(_templates["sqlite"], target)
        url = f"sqlite:///{target}"
        yield url
        get_engine(url).dispose()
        return
    assert _pg_pool is not None
    name = _pg_pool.take()
    url = _pg_url_for(name)
    yield url
    get_engine(url).dispose()
    _pg_pool.give_back(name)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return base_settings(db_url, tmp_path / "data")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    """A service-test session: everything it does is rolled back at the end (DECISIONS 21)."""
    engine = get_engine(settings.sqlalchemy_url)
    connection = engine.connect()
    outer = connection.begin()
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield db_session
    db_session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def committed(settings: Settings) -> Iterator[Session]:
    """A session whose commits land, for setting up data that the app then reads.

    It begins DEFERRED on SQLite, so a test reading through it does not hold the write lock
    while the app writes.
    """
    db_session = get_sessionmaker(settings.sqlalchemy_url, readonly=True)()
    yield db_session
    db_session.close()
