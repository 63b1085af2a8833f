"""The audit log: append-only in the database, and every edit or deletion found by verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from vigil.cli import app as cli_app
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import get_engine, transaction


def _write_entries(settings: Settings, count: int) -> list[int]:
    with transaction(settings.sqlalchemy_url) as session:
        entries = [
            audit.record(
                session,
                action="test.action",
                actor="tester",
                target_type="thing",
                target_id=n,
                detail={"n": n},
            )
            for n in range(count)
        ]
        session.flush()
        ids = [e.id for e in entries]
    return ids


def _seal(settings: Settings) -> int:
    with transaction(settings.sqlalchemy_url) as session:
        return audit.seal(session, key=settings.audit_key, data_dir=settings.data_dir)


def _verify(settings: Settings) -> tuple[int, list[audit.Finding]]:
    with transaction(settings.sqlalchemy_url) as session:
        return audit.verify(session, key=settings.audit_key, data_dir=settings.data_dir)


def _drop_append_only_triggers(url: str) -> None:
    """What an attacker with database access does first."""
    with get_engine(url).begin() as conn:
        for table in ("audit_log", "audit_seals"):
            if url.startswith("sqlite"):
                conn.execute(text(f"DROP TRIGGER {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER {table}_no_delete"))
            else:
                conn.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))


def _tamper(url: str, *statements: str) -> None:
    _drop_append_only_triggers(url)
    with get_engine(url).begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET detail = '{}'",
        "DELETE FROM audit_log",
        "UPDATE audit_seals SET hash = 'x'",
        "DELETE FROM audit_seals",
    ],
)
def test_audit_tables_reject_update_and_delete_in_the_database(
    settings: Settings, sealed_ids: list[int], statement: str
) -> None:
    with get_engine(settings.sqlalchemy_url).begin() as conn, pytest.raises(DBAPIError) as caught:
        conn.execute(text(statement))

    assert "append-only" in str(caught.value)
    with get_engine(settings.sqlalchemy_url).connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM audit_log")) >= len(sealed_ids)
        assert conn.scalar(text("SELECT count(*) FROM audit_seals")) >= len(sealed_ids)


def test_intact_chain_has_no_findings(settings: Settings, sealed_ids: list[int]) -> None:
    checked, findings = _verify(settings)

    assert findings == []
    assert checked >= len(sealed_ids)
    assert audit.read_checkpoint(settings.data_dir) is not None


def test_edited_entry_is_named_by_its_id(settings: Settings, sealed_ids: list[int]) -> None:
    victim = sealed_ids[4]
    _tamper(
        settings.sqlalchemy_url,
        f"UPDATE audit_log SET detail = '{{\"n\": 999}}' WHERE id = {victim}",
    )

    _, findings = _verify(settings)

    assert {f.entry_id for f in findings} == {victim}
    assert "edited" in str(findings[0])


def test_edited_actor_of_newest_entry_is_named(settings: Settings, sealed_ids: list[int]) -> None:
    victim = sealed_ids[-1]
    _tamper(settings.sqlalchemy_url, f"UPDATE audit_log SET actor = 'someone' WHERE id = {victim}")

    _, findings = _verify(settings)

    assert findings
    assert {f.entry_id for f in findings} == {victim}


def test_deleted_middle_entry_is_named_by_its_id(settings: Settings, sealed_ids: list[int]) -> None:
    victim = sealed_ids[5]
    _tamper(settings.sqlalchemy_url, f"DELETE FROM audit_log WHERE id = {victim}")

    _, findings = _verify(settings)

    assert [(f.entry_id, f.problem) for f in findings] == [(victim, "entry deleted")]


def test_deleted_middle_entry_and_its_seal_are_found_without_blaming_the_next(
    settings: Settings, sealed_ids: list[int]
) -> None:
    victim = sealed_ids[5]
    with get_engine(settings.sqlalchemy_url).connect() as conn:
        seq = conn.scalar(text(f"SELECT seq FROM audit_seals WHERE entry_id = {victim}"))
    _tamper(
        settings.sqlalchemy_url,
        f"DELETE FROM audit_seals WHERE entry_id = {victim}",
        f"DELETE FROM audit_log WHERE id = {victim}",
    )

    _, findings = _verify(settings)

    missing = [f for f in findings if f.seq == seq]
    assert len(missing) == 1
    assert f"between entries {sealed_ids[4]} and {sealed_ids[6]}" in missing[0].problem
    assert not any("edited" in f.problem for f in findings), "the next entry was not edited"


def test_deleting_newest_entries_and_their_seals_is_caught_by_the_checkpoint(
    settings: Settings, sealed_ids: list[int]
) -> None:
    checkpoint = audit.read_checkpoint(settings.data_dir)
    assert checkpoint is not None
    newest = sealed_ids[-3:]
    ids = ", ".join(str(i) for i in newest)
    _tamper(
        settings.sqlalchemy_url,
        f"DELETE FROM audit_seals WHERE entry_id IN ({ids})",
        f"DELETE FROM audit_log WHERE id IN ({ids})",
    )

    _, findings = _verify(settings)

    assert len(findings) == 1
    assert findings[0].seq == checkpoint[0]
    assert "checkpoint" in findings[0].problem


def _seal_count(url: str) -> int:
    with get_engine(url).connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM audit_seals")) or 0)


def test_sealing_refuses_to_extend_a_truncated_chain(
    settings: Settings, sealed_ids: list[int]
) -> None:
    newest = sealed_ids[-2:]
    ids = ", ".join(str(i) for i in newest)
    _tamper(
        settings.sqlalchemy_url,
        f"DELETE FROM audit_seals WHERE entry_id IN ({ids})",
        f"DELETE FROM audit_log WHERE id IN ({ids})",
    )
    seals_before = _seal_count(settings.sqlalchemy_url)
    _write_entries(settings, 3)

    assert _seal(settings) == 0

    assert _seal_count(settings.sqlalchemy_url) == seals_before
    _, findings = _verify(settings)
    assert any("checkpoint" in f.problem for f in findings)


def test_checkpoint_only_moves_forward(settings: Settings, sealed_ids: list[int]) -> None:
    checkpoint = audit.read_checkpoint(settings.data_dir)
    assert checkpoint is not None

    audit.write_checkpoint(settings.data_dir, checkpoint[0] - 5, "0" * 64)

    assert audit.read_checkpoint(settings.data_dir) == checkpoint


def test_entries_of_a_rolled_back_transaction_are_not_kept(settings: Settings) -> None:
    with pytest.raises(RuntimeError), transaction(settings.sqlalchemy_url) as session:
        audit.record(session, action="test.rolled_back")
        session.flush()
        raise RuntimeError("the change failed")

    with transaction(settings.sqlalchemy_url) as session:
        found = session.scalar(
            select(func.count()).where(audit.AuditEntry.action == "test.rolled_back")
        )
    assert found == 0


# --- `vigil audit verify` --------------------------------------------------------------------


def test_cli_audit_verify_passes_an_intact_chain(
    cli_env: dict[str, str], sealed_ids: list[int]
) -> None:
    result = CliRunner().invoke(cli_app, ["audit", "verify"], env=cli_env)

    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output


def test_cli_audit_verify_fails_naming_the_edited_entry(
    cli_env: dict[str, str], settings: Settings, sealed_ids: list[int]
) -> None:
    victim = sealed_ids[2]
    _tamper(
        settings.sqlalchemy_url,
        f"UPDATE audit_log SET detail = '{json.dumps({'n': -1})}' WHERE id = {victim}",
    )

    result = CliRunner().invoke(cli_app, ["audit", "verify"], env=cli_env)

    assert result.exit_code == 1, result.output
    assert f"TAMPERED entry {victim}:" in result.output
    assert sum(line.startswith("TAMPERED") for line in result.output.splitlines()) == 1


def test_cli_audit_verify_with_the_wrong_key_finds_every_entry(
    cli_env: dict[str, str], sealed_ids: list[int]
) -> None:
    env = cli_env | {"VIGIL_AUDIT_KEY": "another-key-which-is-long-enough-0123456789"}

    result = CliRunner().invoke(cli_app, ["audit", "verify"], env=env)

    assert result.exit_code == 1
    for entry_id in sealed_ids:
        assert f"TAMPERED entry {entry_id}:" in result.output


def test_verify_reads_the_checkpoint_from_the_data_dir(
    settings: Settings, sealed_ids: list[int], tmp_path: Path
) -> None:
    """Verifying with an empty data dir misses a truncation; the real one catches it."""
    ids = ", ".join(str(i) for i in sealed_ids[-2:])
    _tamper(
        settings.sqlalchemy_url,
        f"DELETE FROM audit_seals WHERE entry_id IN ({ids})",
        f"DELETE FROM audit_log WHERE id IN ({ids})",
    )
    with transaction(settings.sqlalchemy_url) as session:
        _, without_checkpoint = audit.verify(
            session, key=settings.audit_key, data_dir=tmp_path / "elsewhere"
        )

    assert without_checkpoint == []
    assert _verify(settings)[1]


def _entry_with_id(settings: Settings, entry_id: int) -> None:
    """An entry whose id lies where a transaction that committed late would have put it."""
    with transaction(settings.sqlalchemy_url) as session:
        entry = audit.record(session, action="test.late", actor="tester")
        entry.id = entry_id


def test_quick_sealing_leaves_a_late_entry_to_the_full_pass(
    settings: Settings, sealed_ids: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "LATE_ENTRY_WINDOW", 10)
    far = sealed_ids[-1] + 1000
    _entry_with_id(settings, far)
    assert _quick_seal(settings) == 1
    _entry_with_id(settings, far - 5)  # within the window: found
    _entry_with_id(settings, far - 500)  # below it: waits for a full pass
    assert _quick_seal(settings) == 1

    assert _seal(settings) == 1
    checked, findings = _verify(settings)
    assert findings == []
    assert checked == len(sealed_ids) + 3


def _quick_seal(settings: Settings) -> int:
    with transaction(settings.sqlalchemy_url) as session:
        return audit.seal(
            session, key=settings.audit_key, data_dir=settings.data_dir, recent_only=True
        )
