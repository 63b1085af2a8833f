"""Forged, replayed, edited, deleted, reordered and truncated audit entries: never sealed by a
sealing pass, always reported by `vigil audit verify`.

Each test plays someone with write access to the database (append-only triggers and the unique
nonce index dropped at will) but without the audit key.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner, Result

from tests.core.test_audit import _seal, _tamper, _verify, _write_entries
from vigil.app import create_app
from vigil.cli import app as cli_app
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import get_engine
from vigil.worker import run_worker

COLUMNS = "at, actor_id, actor, org_id, target_type, target_id, ip, detail, detail_sha256"


def _insert(url: str, select_sql: str, *, columns: str = COLUMNS + ", action") -> int:
    """INSERT ... SELECT straight into audit_log; returns the new row's id."""
    with get_engine(url).begin() as conn:
        new_id = conn.execute(
            text(f"INSERT INTO audit_log ({columns}) {select_sql} RETURNING id")
        ).scalar_one()
    return int(new_id)


def _drop_nonce_index(url: str) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(text("DROP INDEX ix_audit_log_nonce"))


def _sealed(url: str) -> set[int]:
    with get_engine(url).connect() as conn:
        return set(conn.scalars(text("SELECT entry_id FROM audit_seals")))


def _cli_verify(env: dict[str, str]) -> Result:
    return CliRunner().invoke(cli_app, ["audit", "verify"], env=env)


def _tampered_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("TAMPERED")]


class _AuditErrors(logging.Handler):
    """Error records of the audit logger (on it, not on the root that create_app resets)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _refusals(errors: _AuditErrors) -> list[str]:
    return [r.getMessage() for r in errors.records]


@pytest.fixture
def errors() -> Iterator[_AuditErrors]:
    handler = _AuditErrors()
    logger = logging.getLogger("vigil.audit")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


FORGERIES = {
    # The naive forger: the row copied without its signature.
    "unsigned": (COLUMNS + ", action", f"SELECT {COLUMNS}, 'membership.role_change'"),
    # The old entry's signature kept, under a nonce of its own (the unique index stays).
    "old signature, new nonce": (
        COLUMNS + ", action, nonce, mac",
        f"SELECT {COLUMNS}, 'membership.role_change', '{'f' * 32}', mac",
    ),
    # Nonce and signature copied too, after dropping the unique index that refuses them.
    "old nonce and signature": (
        COLUMNS + ", action, nonce, mac",
        f"SELECT {COLUMNS}, 'membership.role_change', nonce, mac",
    ),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_forged_copy_of_an_old_entry_with_another_action_is_not_sealed_nor_anything_after_it(
    settings: Settings, sealed_ids: list[int], errors: _AuditErrors, forgery: str
) -> None:
    url = settings.sqlalchemy_url
    if forgery == "old nonce and signature":
        _drop_nonce_index(url)
    columns, select_sql = FORGERIES[forgery]
    before = _write_entries(settings, 2)
    forged = _insert(
        url, f"{select_sql} FROM audit_log WHERE id = {sealed_ids[3]}", columns=columns
    )
    after = _write_entries(settings, 2)

    assert _seal(settings) == len(before)

    sealed = _sealed(url)
    assert set(before) <= sealed
    assert forged not in sealed
    assert not set(after) & sealed, "nothing after the forged entry is sealed"
    assert any(f"entry {forged}" in message for message in _refusals(errors))
    _, findings = _verify(settings)
    assert [f.entry_id for f in findings] == [forged]


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_cli_audit_verify_fails_on_a_forged_entry_and_names_it(
    settings: Settings, cli_env: dict[str, str], sealed_ids: list[int], forgery: str
) -> None:
    url = settings.sqlalchemy_url
    if forgery == "old nonce and signature":
        _drop_nonce_index(url)
    columns, select_sql = FORGERIES[forgery]
    forged = _insert(
        url, f"{select_sql} FROM audit_log WHERE id = {sealed_ids[3]}", columns=columns
    )

    result = _cli_verify(cli_env)

    assert result.exit_code == 1, result.output
    assert len(_tampered_lines(result)) == 1
    assert _tampered_lines(result)[0].startswith(f"TAMPERED entry {forged}: ")
    assert forged not in _sealed(url)


def test_the_database_refuses_a_verbatim_copy_of_an_entry(
    settings: Settings, sealed_ids: list[int]
) -> None:
    every = COLUMNS + ", action, nonce, mac"
    with pytest.raises(IntegrityError, match="(?i)unique"):
        _insert(
            settings.sqlalchemy_url,
            f"SELECT {every} FROM audit_log WHERE id = {sealed_ids[0]}",
            columns=every,
        )


def test_verbatim_replay_of_an_entry_is_not_sealed_and_verify_names_the_original(
    settings: Settings, cli_env: dict[str, str], sealed_ids: list[int], errors: _AuditErrors
) -> None:
    url = settings.sqlalchemy_url
    _drop_nonce_index(url)
    every = COLUMNS + ", action, nonce, mac"
    original = sealed_ids[2]
    replay = _insert(url, f"SELECT {every} FROM audit_log WHERE id = {original}", columns=every)
    after = _write_entries(settings, 1)

    assert _seal(settings) == 0
    assert any(f"entry {replay}" in message for message in _refusals(errors))
    result = _cli_verify(cli_env)

    assert result.exit_code == 1, result.output
    assert _tampered_lines(result) == [
        f"TAMPERED entry {replay}: replay of entry {original} (the same nonce)"
    ]
    assert not {replay, *after} & _sealed(url)


def test_entry_edited_before_it_was_sealed_is_not_sealed_and_verify_names_it(
    settings: Settings, cli_env: dict[str, str], sealed_ids: list[int], errors: _AuditErrors
) -> None:
    url = settings.sqlalchemy_url
    fresh = _write_entries(settings, 3)
    victim = fresh[1]
    _tamper(url, f"UPDATE audit_log SET action = 'membership.remove' WHERE id = {victim}")

    assert _seal(settings) == 1
    assert _sealed(url) & set(fresh) == {fresh[0]}
    assert any(f"entry {victim}" in message for message in _refusals(errors))
    result = _cli_verify(cli_env)

    assert result.exit_code == 1, result.output
    assert [line.split(":")[0] for line in _tampered_lines(result)] == [f"TAMPERED entry {victim}"]


def test_deleted_sealed_entry_is_named_and_later_entries_are_still_sealed(
    settings: Settings, cli_env: dict[str, str], sealed_ids: list[int]
) -> None:
    url = settings.sqlalchemy_url
    victim = sealed_ids[4]
    _tamper(url, f"DELETE FROM audit_log WHERE id = {victim}")
    later = _write_entries(settings, 2)

    assert _seal(settings) == 2
    result = _cli_verify(cli_env)

    assert set(later) <= _sealed(url)
    assert result.exit_code == 1, result.output
    assert _tampered_lines(result) == [f"TAMPERED entry {victim}: entry deleted"]


def _swap_rows(url: str, a: int, b: int) -> None:
    """Exchange two entries' places in id order, each row moving whole (signature too)."""
    _tamper(
        url,
        f"UPDATE audit_log SET id = -1 WHERE id = {a}",
        f"UPDATE audit_log SET id = {a} WHERE id = {b}",
        f"UPDATE audit_log SET id = {b} WHERE id = -1",
    )


def test_reordered_sealed_entries_are_both_named(
    settings: Settings, cli_env: dict[str, str], sealed_ids: list[int]
) -> None:
    url = settings.sqlalchemy_url
    a, b = sealed_ids[2], sealed_ids[6]
    _swap_rows(url, a, b)
    later = _write_entries(settings, 1)

    assert _seal(settings) == 1
    result = _cli_verify(cli_env)

    assert set(later) <= _sealed(url)
    assert result.exit_code == 1, result.output
    assert sorted(line.split(":")[0] for line in _tampered_lines(result)) == sorted(
        [f"TAMPERED entry {a}", f"TAMPERED entry {b}"]
    )


def test_unsealed_entries_whose_content_was_swapped_are_not_sealed(
    settings: Settings, cli_env: dict[str, str], sealed_ids: list[int], errors: _AuditErrors
) -> None:
    url = settings.sqlalchemy_url
    fresh = _write_entries(settings, 2)
    a, b = fresh
    _tamper(
        url,
        f"UPDATE audit_log SET detail = (SELECT detail FROM audit_log WHERE id = {b}), "
        f"target_id = (SELECT target_id FROM audit_log WHERE id = {b}) WHERE id = {a}",
        f"UPDATE audit_log SET detail = '{{\"n\": 0}}', target_id = '0' WHERE id = {b}",
    )

    assert _seal(settings) == 0
    result = _cli_verify(cli_env)

    assert not set(fresh) & _sealed(url)
    assert result.exit_code == 1, result.output
    assert [line.split(":")[0] for line in _tampered_lines(result)] == [
        f"TAMPERED entry {a}",
        f"TAMPERED entry {b}",
    ]


def test_truncated_chain_is_not_extended_and_cli_verify_names_the_checkpoint(
    settings: Settings, cli_env: dict[str, str], sealed_ids: list[int], errors: _AuditErrors
) -> None:
    url = settings.sqlalchemy_url
    ids = ", ".join(str(i) for i in sealed_ids[-3:])
    _tamper(
        url,
        f"DELETE FROM audit_seals WHERE entry_id IN ({ids})",
        f"DELETE FROM audit_log WHERE id IN ({ids})",
    )
    later = _write_entries(settings, 1)

    assert _seal(settings) == 0
    assert _refusals(errors)
    result = _cli_verify(cli_env)

    assert not set(later) & _sealed(url)
    assert result.exit_code == 1, result.output
    lines = _tampered_lines(result)
    assert len(lines) == 1
    assert "the newest entries were deleted" in lines[0]


def _forge_unsigned(settings: Settings, copy_of: int) -> int:
    columns, select_sql = FORGERIES["unsigned"]
    return _insert(
        settings.sqlalchemy_url,
        f"{select_sql} FROM audit_log WHERE id = {copy_of}",
        columns=columns,
    )


def test_worker_keeps_running_when_its_sealing_pass_meets_a_forged_entry(
    settings: Settings, sealed_ids: list[int], errors: _AuditErrors
) -> None:
    forged = _forge_unsigned(settings, sealed_ids[0])

    run_worker(settings, once=True)

    assert forged not in _sealed(settings.sqlalchemy_url)
    assert any(f"entry {forged}" in message for message in _refusals(errors))


def test_request_succeeds_when_its_sealing_pass_meets_a_forged_entry(
    settings: Settings, sealed_ids: list[int], errors: _AuditErrors
) -> None:
    forged = _forge_unsigned(settings, sealed_ids[0])

    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/v1/auth/token", json={"email": "nobody@example.org", "password": "wrong one"}
        )

    assert response.status_code == 401, response.text
    with get_engine(settings.sqlalchemy_url).connect() as conn:
        failure = conn.scalar(text("SELECT max(id) FROM audit_log"))
    assert failure > forged
    assert not {forged, failure} & _sealed(settings.sqlalchemy_url)
    assert any(f"entry {forged}" in message for message in _refusals(errors))


def test_entries_vigil_writes_are_signed_with_the_audit_key(
    settings: Settings, sealed_ids: list[int]
) -> None:
    with get_engine(settings.sqlalchemy_url).connect() as conn:
        rows = conn.execute(text("SELECT nonce, mac FROM audit_log")).all()
    nonces, macs = zip(*rows, strict=True)

    assert len(set(nonces)) == len(nonces) and all(len(n) == 32 for n in nonces)
    assert all(mac and len(mac) == 64 for mac in macs)
    assert audit.read_checkpoint(settings.data_dir) is not None


def test_a_row_that_cannot_even_be_read_breaks_neither_requests_nor_the_worker(
    settings: Settings, cli_env: dict[str, str], sealed_ids: list[int]
) -> None:
    if not settings.sqlalchemy_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's column types refuse such a row")
    _insert(
        settings.sqlalchemy_url,
        "SELECT 'not a date', 'x', 'x', '', '', '', '{}'",
        columns="at, actor, action, target_type, target_id, ip, detail",
    )

    run_worker(settings, once=True)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/v1/auth/token", json={"email": "nobody@example.org", "password": "wrong one"}
        )
    result = _cli_verify(cli_env)

    assert response.status_code == 401, response.text
    assert result.exit_code == 1, result.output
    assert _tampered_lines(result) == [
        "TAMPERED a row Vigil did not write cannot be read: Invalid isoformat string: 'not a date'"
    ]
