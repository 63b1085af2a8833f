"""Upgrading to signed audit entries (migration 0011): what the previous version sealed still
verifies, what it left unsealed is sealed by `vigil db upgrade` with the audit key, and nothing
unsigned is sealed afterwards."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from tests.conftest import BACKENDS, _drop_pg, _pg_exec, _pg_url_for
from vigil.cli import app as cli_app
from vigil.core import audit
from vigil.core.config import get_settings
from vigil.core.db import UTCDateTime, get_engine
from vigil.core.migrate import upgrade

KEY = "test-audit-key-which-is-long-enough-0123456789"
LEGACY = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    *(sa.column(name) for name in ("actor_id", "actor", "org_id", "action", "target_type")),
    *(sa.column(name) for name in ("target_id", "ip", "detail")),
)
SEALS = sa.table("audit_seals", sa.column("seq"), sa.column("entry_id"), sa.column("hash"))


def _hash_as_0010_did(prev: str, row: dict[str, object]) -> str:
    """The chain link of revision 0010's code, written out independently of today's."""
    at = row["at"]
    assert isinstance(at, dt.datetime)
    fields = [row["id"], at.astimezone(dt.UTC).isoformat(timespec="microseconds")]
    fields += [row[k] for k in ("actor_id", "actor", "org_id", "action", "target_type")]
    fields += [row[k] for k in ("target_id", "ip", "detail")]
    canonical = json.dumps(fields, separators=(",", ":")).encode()
    return hmac.new(KEY.encode(), prev.encode() + canonical, hashlib.sha256).hexdigest()


@pytest.fixture(params=BACKENDS)
def url_at_0010(
    request: pytest.FixtureRequest, _templates: dict[str, str], tmp_path: Path
) -> Iterator[str]:
    """A database migrated to 0010 only, as the previous version left it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    elif "postgresql" not in _templates:
        pytest.skip("PostgreSQL unreachable (see the warning above)")
    else:
        name = f"vigil_old_{uuid.uuid4().hex[:12]}"
        _pg_exec(f'CREATE DATABASE "{name}"')
        url = _pg_url_for(name)
    upgrade(url, "0010")
    yield url
    get_engine(url).dispose()
    if request.param == "postgresql":
        _drop_pg(url.rpartition("/")[2])


def _legacy_log(url: str, data_dir: Path, *, entries: int, sealed: int) -> list[int]:
    """Entries written by 0010's code, the first `sealed` of them sealed and checkpointed."""
    at = dt.datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=dt.UTC)
    rows: list[dict[str, object]] = [
        {
            "at": at + dt.timedelta(seconds=n),
            "actor_id": 7,
            "actor": "Old Coordinator",
            "org_id": 3,
            "action": "incident.triage",
            "target_type": "incidents",
            "target_id": str(100 + n),
            "ip": "198.51.100.7",
            "detail": json.dumps({"n": n}),
        }
        for n in range(entries)
    ]
    with get_engine(url).begin() as conn:
        conn.execute(sa.insert(LEGACY), rows)
        written = [r._asdict() for r in conn.execute(sa.select(LEGACY).order_by(LEGACY.c.id))]
        prev, seals = audit.GENESIS, []
        for seq, row in enumerate(written[:sealed], start=1):
            prev = _hash_as_0010_did(prev, row)
            seals.append({"seq": seq, "entry_id": row["id"], "hash": prev})
        if seals:
            conn.execute(sa.insert(SEALS), seals)
    if sealed:
        audit.write_checkpoint(data_dir, sealed, prev)
    return [row["id"] for row in written]


def _vigil(url: str, data_dir: Path, *args: str) -> Result:
    env = {
        "VIGIL_ENV": "test",
        "VIGIL_DATABASE_URL": url,
        "VIGIL_DATA_DIR": str(data_dir),
        "VIGIL_AUDIT_KEY": KEY,
        "VIGIL_SECRET_KEY": "test-secret-key-which-is-long-enough-0123456789",
        "VIGIL_LOG_LEVEL": "WARNING",
    }
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli_app, list(args), env=env)
    finally:
        get_settings.cache_clear()


def _sealed(url: str) -> list[int]:
    with get_engine(url).connect() as conn:
        return list(conn.scalars(sa.select(SEALS.c.entry_id).order_by(SEALS.c.seq)))


def test_db_upgrade_seals_what_the_previous_version_left_unsealed_and_the_chain_verifies(
    url_at_0010: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    ids = _legacy_log(url_at_0010, data_dir, entries=5, sealed=3)

    upgraded = _vigil(url_at_0010, data_dir, "db", "upgrade")
    verified = _vigil(url_at_0010, data_dir, "audit", "verify")

    assert upgraded.exit_code == 0, upgraded.output
    assert _sealed(url_at_0010) == ids
    assert verified.exit_code == 0, verified.output
    assert "5 entries checked, chain intact" in verified.output
    assert audit.read_checkpoint(data_dir) is not None
    assert audit.read_checkpoint(data_dir)[0] == 5  # type: ignore[index]


def test_after_the_upgrade_an_unsigned_entry_is_refused_and_reported(
    url_at_0010: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    _legacy_log(url_at_0010, data_dir, entries=2, sealed=1)
    assert _vigil(url_at_0010, data_dir, "db", "upgrade").exit_code == 0
    with get_engine(url_at_0010).begin() as conn:
        conn.execute(
            sa.insert(LEGACY),
            {
                "at": dt.datetime.now(dt.UTC),
                "actor": "Old Coordinator",
                "action": "membership.role_change",
                "target_type": "",
                "target_id": "",
                "ip": "",
                "detail": "{}",
            },
        )

    verified = _vigil(url_at_0010, data_dir, "audit", "verify")

    assert verified.exit_code == 1, verified.output
    assert "TAMPERED entry 3: not signed: inserted outside Vigil" in verified.output
    assert _sealed(url_at_0010) == [1, 2]


def test_upgrading_without_the_audit_key_refuses_while_entries_are_unsealed(
    url_at_0010: str, tmp_path: Path
) -> None:
    _legacy_log(url_at_0010, tmp_path / "data", entries=3, sealed=1)

    with pytest.raises(RuntimeError, match="vigil db upgrade"):
        upgrade(url_at_0010)

    assert _sealed(url_at_0010) == [1]
