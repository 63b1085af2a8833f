"""A consistent copy of the database while Vigil runs, and its restore into an empty database.

SQLite is copied through its online backup API (one step, so one read snapshot, while writers
go on in WAL mode). PostgreSQL is dumped by `pg_dump --format=custom` on a snapshot exported
from a REPEATABLE READ transaction, the same one that counts the tables and reads the audit
chain's head: the manifest describes exactly the rows that were copied.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

from vigil.core.config import environment_with
from vigil.core.db import get_engine, is_sqlite
from vigil.core.errors import Invalid

SQLITE_MEMBER, POSTGRES_MEMBER = "database.sqlite", "database.pgdump"
# Seconds pg_dump / pg_restore may take: far above a million incidents (docs/performance.md).
DUMP_TIMEOUT_SECONDS = 6 * 3600
SERVER_TABLES = (
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
)


@dataclass
class Facts:
    """What the manifest says of a database: its rows per table, migration and audit head."""

    tables: dict[str, int]
    migration: str | None
    audit_seq: int
    audit_hash: str


def database_kind(url: str) -> str:
    return "sqlite" if is_sqlite(url) else "postgresql"


def member_name(url: str) -> str:
    return SQLITE_MEMBER if is_sqlite(url) else POSTGRES_MEMBER


def sqlite_file(url: str) -> Path:
    return Path(make_url(url).database or "")


def _facts(cursor: Any, tables: list[str]) -> Facts:
    counts = {}
    for name in tables:
        # Names come from the database's own catalogue, quoted.
        cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608
        counts[name] = int(cursor.fetchone()[0])
    migration = None
    if "alembic_version" in counts:
        cursor.execute("SELECT version_num FROM alembic_version")
        row = cursor.fetchone()
        migration = row[0] if row else None
    seq, head = 0, ""
    if "audit_seals" in counts:
        cursor.execute("SELECT seq, hash FROM audit_seals ORDER BY seq DESC LIMIT 1")
        row = cursor.fetchone()
        seq, head = (int(row[0]), str(row[1])) if row else (0, "")
    return Facts(tables=counts, migration=migration, audit_seq=seq, audit_hash=head)


def _sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [row[0] for row in cursor.fetchall()]


def sqlite_facts(path: Path) -> Facts:
    with closing(sqlite3.connect(path)) as conn:
        cursor = conn.cursor()
        return _facts(cursor, _sqlite_tables(cursor))


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A conninfo without the password, and the environment giving it (never on a command
    line, where `ps` shows it)."""
    parsed = make_url(url)
    parts = {
        "host": parsed.host,
        "port": str(parsed.port) if parsed.port else None,
        "user": parsed.username,
        "dbname": parsed.database,
    }
    conninfo = make_conninfo(
        **{k: v for k, v in parts.items() if v}, **{k: str(v) for k, v in parsed.query.items()}
    )
    return conninfo, environment_with({"PGPASSWORD": parsed.password} if parsed.password else {})


def _connect(url: str, **kwargs: Any) -> psycopg.Connection[Any]:
    conninfo, env = libpq(url)
    password = env.get("PGPASSWORD")
    return (
        psycopg.connect(conninfo, password=password, **kwargs)
        if password
        else (psycopg.connect(conninfo, **kwargs))
    )


def _tool_major(tool: str) -> int:
    try:
        out = subprocess.run(  # noqa: S603 - a fixed tool name, no shell
            [tool, "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise Invalid(
            "database", "%(tool)s cannot be run: %(problem)s", tool=tool, problem=exc
        ) from exc
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else 0


def _check_tool(tool: str, conn: psycopg.Connection[Any]) -> None:
    row = conn.execute("SHOW server_version_num").fetchone()
    server = int(row[0]) // 10000 if row else 0
    if (major := _tool_major(tool)) < server:
        raise Invalid(
            "database",
            "%(tool)s is version %(tool_major)s but the server is PostgreSQL %(server)s: "
            "install the client of the server's version",
            tool=tool,
            tool_major=major,
            server=server,
        )


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(  # noqa: S603 - arguments are paths and a conninfo, no shell
        args, env=env, capture_output=True, text=True, timeout=DUMP_TIMEOUT_SECONDS, check=False
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise Invalid("database", "%(what)s failed: %(problem)s", what=what, problem=last)


def take_snapshot(url: str, target: Path) -> Facts:
    """Copy the database to `target` (a SQLite file or a pg_dump archive) and describe it."""
    if is_sqlite(url):
        with (
            closing(sqlite3.connect(sqlite_file(url), timeout=30)) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)  # pages=-1: the whole file in one step, one read snapshot
        return sqlite_facts(target)
    conninfo, env = libpq(url)
    with _connect(url) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            _check_tool("pg_dump", conn)
            row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            snapshot = str(row[0]) if row else ""
            cursor = conn.cursor()
            facts = _facts(cursor, [r[0] for r in conn.execute(SERVER_TABLES).fetchall()])
            # The exported snapshot lives as long as this transaction: pg_dump runs inside it.
            args = ["pg_dump", "--format=custom", f"--snapshot={snapshot}"]
            _run([*args, f"--file={target}", f"--dbname={conninfo}"], env, "pg_dump")
    return facts


def existing_tables(url: str) -> list[str]:
    """The tables a database already holds (restore needs none)."""
    if is_sqlite(url):
        path = sqlite_file(url)
        if not path.exists() or path.stat().st_size == 0:
            return []
        with closing(sqlite3.connect(path)) as conn:
            return _sqlite_tables(conn.cursor())
    with _connect(url) as conn:
        return [row[0] for row in conn.execute(SERVER_TABLES).fetchall()]


@contextmanager
def restored(url: str, snapshot: Path) -> Iterator[tuple[Facts, str]]:
    """Load the snapshot into the empty database and yield what it holds and the URL to check
    it at; if the block raises (verification failed), the database is left empty again."""
    if is_sqlite(url):
        path = sqlite_file(url)
        staged = path.with_name(path.name + ".restoring")
        shutil.move(snapshot, staged)  # the staging directory may be on another disk
        staged_url = f"sqlite:///{staged}"
        try:
            yield sqlite_facts(staged), staged_url
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        finally:
            get_engine(staged_url).dispose()
        for leftover in (path.with_name(path.name + s) for s in ("-wal", "-shm")):
            leftover.unlink(missing_ok=True)
        os.replace(staged, path)
        return
    conninfo, env = libpq(url)
    with _connect(url) as conn:
        _check_tool("pg_restore", conn)
    args = ["pg_restore", "--exit-on-error", "--single-transaction", "--no-owner"]
    _run([*args, f"--dbname={conninfo}", str(snapshot)], env, "pg_restore")
    try:
        with _connect(url) as conn:
            tables = [row[0] for row in conn.execute(SERVER_TABLES).fetchall()]
            facts = _facts(conn.cursor(), tables)
        yield facts, url
    except BaseException:
        with _connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        raise
