"""Fixtures of the audit-log tests: a sealed log, and `vigil audit verify`'s environment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.core.test_audit import _seal, _write_entries
from vigil.core.config import Settings, get_settings


@pytest.fixture
def sealed_ids(settings: Settings) -> list[int]:
    """Ten entries written, sealed and checkpointed."""
    ids = _write_entries(settings, 10)
    _seal(settings)
    return ids


@pytest.fixture
def cli_env(settings: Settings) -> Iterator[dict[str, str]]:
    """The environment of `vigil audit verify` run against the test's database."""
    get_settings.cache_clear()
    yield {
        "VIGIL_ENV": "test",
        "VIGIL_DATABASE_URL": settings.sqlalchemy_url,
        "VIGIL_DATA_DIR": str(settings.data_dir),
        "VIGIL_AUDIT_KEY": settings.audit_key,
        "VIGIL_SECRET_KEY": settings.secret_key,
        "VIGIL_LOG_LEVEL": "WARNING",
    }
    get_settings.cache_clear()
