"""Retention of audit details (issue 22): an entry's detail is redacted once its period ends and
the chain, which covers the detail's hash, still verifies; the table's trigger lets that one
change through and nothing else; a detail edited any other way is found by verify."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from tests.conftest import base_settings
from tests.core.test_audit import _drop_append_only_triggers, _seal, _verify, _write_entries
from vigil.cli import app as cli_app
from vigil.core import audit
from vigil.core.audit_detail import REDACTED
from vigil.core.config import Settings
from vigil.core.db import get_engine, transaction, utcnow
from vigil.ops.retention import run_retention

DAYS = 90


def _details(url: str) -> dict[int, str]:
    with get_engine(url).connect() as conn:
        return dict(conn.execute(text("SELECT id, detail FROM audit_log")).tuples().all())


def _execute(url: str, statement: str) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(text(statement))


@pytest.fixture
def entries(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], list[int]]:
    """Three entries written long ago and two today, all sealed."""
    long_ago = utcnow() - dt.timedelta(days=DAYS + 5)
    with monkeypatch.context() as clock:
        clock.setattr(audit, "utcnow", lambda: long_ago)
        old = _write_entries(settings, 3)
    recent = _write_entries(settings, 2)
    assert _seal(settings) == 5
    return old, recent


def test_retention_redacts_old_details_and_the_chain_still_verifies(
    db_url: str, settings: Settings, entries: tuple[list[int], list[int]]
) -> None:
    old, recent = entries
    before = _details(settings.sqlalchemy_url)
    kept = base_settings(db_url, settings.data_dir, retention_audit_detail_days=DAYS)
    with transaction(settings.sqlalchemy_url) as session:
        assert run_retention(session, kept, dry_run=True)["audit_details"] == 3
    assert _details(settings.sqlalchemy_url) == before  # a dry run changes nothing

    with transaction(settings.sqlalchemy_url) as session:
        assert run_retention(session, kept)["audit_details"] == 3
    after = _details(settings.sqlalchemy_url)
    assert {after[i] for i in old} == {REDACTED}
    assert {i: after[i] for i in recent} == {i: before[i] for i in recent}
    (run,) = [i for i in after if i not in before]  # the run's own entry, with its counts
    assert '"audit_details": 3' in after[run]

    assert _seal(settings) == 1  # the run's entry joins the chain after the redacted ones
    checked, findings = _verify(settings)
    assert findings == [] and checked == 6
    env = {
        "VIGIL_DATABASE_URL": db_url,
        "VIGIL_DATA_DIR": str(settings.data_dir),
        "VIGIL_AUDIT_KEY": settings.audit_key,
        "VIGIL_RETENTION_AUDIT_DETAIL_DAYS": str(DAYS),
    }
    result = CliRunner().invoke(cli_app, ["audit", "verify"], env=env)
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli_app, ["retention", "run"], env=env)
    assert "audit_details: removed 0 (kept 90 days)" in again.output, again.output


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET detail = '{{}}' WHERE id = {id}",
        "UPDATE audit_log SET detail = '{redacted}', action = 'x' WHERE id = {id}",
        "UPDATE audit_log SET detail = '{redacted}', detail_sha256 = NULL WHERE id = {id}",
        "DELETE FROM audit_log WHERE id = {id}",
    ],
)
def test_the_trigger_lets_only_a_redaction_through(
    settings: Settings, entries: tuple[list[int], list[int]], statement: str
) -> None:
    old, _ = entries
    url = settings.sqlalchemy_url
    before = _details(url)
    with pytest.raises(DBAPIError, match="append-only"):
        _execute(url, statement.format(id=old[0], redacted=REDACTED.replace(":", "\\:")))
    assert _details(url) == before
    _execute(
        url, f"UPDATE audit_log SET detail = '{REDACTED}' WHERE id = {old[0]}".replace(":", "\\:")
    )
    assert _details(url)[old[0]] == REDACTED


def test_a_detail_edited_otherwise_is_found(
    settings: Settings, entries: tuple[list[int], list[int]]
) -> None:
    old, recent = entries
    unsealed = _write_entries(settings, 1)
    url = settings.sqlalchemy_url
    _drop_append_only_triggers(url)
    for victim in (old[1], unsealed[0]):
        _execute(url, f"""UPDATE audit_log SET detail = '{{"n": 99}}' WHERE id = {victim}""")
    _, findings = _verify(settings)
    assert {(f.entry_id, f.problem) for f in findings} == {
        (victim, "detail edited (it does not match the hash it was signed with)")
        for victim in (old[1], unsealed[0])
    }
    assert _seal(settings) == 0  # sealing stops at the edited unsealed entry
