"""PostgreSQL databases for the tests, emptied and reused instead of created and dropped.

`CREATE DATABASE ... TEMPLATE` costs about 0.8 s of CPU (every block of the template and its
catalogues is copied and WAL-logged) and `TRUNCATE` of the 86 tables as much (a new file per
table and index); with a thousand PostgreSQL tests that was a fifth of the suite. Deleting the
rows of a used database and putting its sequences back takes a few milliseconds. A database whose
schema a test changed (a downgrade) is dropped instead: its fingerprint no longer matches.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

# What a test could change about a database besides its rows: tables, columns, indexes,
# constraints, triggers, functions and the migration it is at.
FINGERPRINT = """
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
    SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable
        || ':' || coalesce(column_default, '') AS item
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT 'at ' || version_num FROM alembic_version
) AS schema_items
"""


@dataclass
class Snapshot:
    """What a database fresh from the template holds: its rows of the tables migrations fill,
    its sequences' states and its schema's fingerprint."""

    tables: list[str]
    seeded: dict[str, list[tuple[Any, ...]]]
    sequences: list[tuple[str, int | None, bool]]
    fingerprint: str

    @classmethod
    def of(cls, conn: psycopg.Connection[Any]) -> Snapshot:
        tables = [
            str(row[0])
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        seeded = {}
        for table in tables:
            rows = conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
            if found := rows.fetchall():
                seeded[table] = found
        sequences = [
            (str(name), value, value is not None)
            for name, value in conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            )
        ]
        return cls(tables, seeded, sequences, _fingerprint(conn))


def _fingerprint(conn: psycopg.Connection[Any]) -> str:
    row = conn.execute(FINGERPRINT).fetchone()
    return str(row[0]) if row else ""


@dataclass
class Pool:
    """This test process's PostgreSQL databases made from `template`, the free ones first."""

    template: str
    admin: Callable[[str], None]  # runs a statement on the server's admin database
    dsn_for: Callable[[str], str]  # a database's libpq connection string
    free: list[str] = field(default_factory=list)
    snapshot: Snapshot | None = None

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"vigil_t_{uuid.uuid4().hex[:12]}"
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        if self.snapshot is None:
            with psycopg.connect(self.dsn_for(name)) as conn:
                self.snapshot = Snapshot.of(conn)
        return name

    def give_back(self, name: str) -> None:
        """Empty the database for the next test, or drop it when that cannot be done."""
        try:
            with psycopg.connect(self.dsn_for(name), autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                conn.execute("SET lock_timeout = '5s'")
                assert self.snapshot is not None
                if _fingerprint(conn) != self.snapshot.fingerprint:
                    raise LookupError("the test changed the schema")
                with conn.transaction():
                    _reset(conn, self.snapshot)
        except (psycopg.Error, LookupError):
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        self.free.append(name)

    def close(self) -> None:
        while self.free:
            self.admin(f'DROP DATABASE IF EXISTS "{self.free.pop()}" WITH (FORCE)')


def _reset(conn: psycopg.Connection[Any], snapshot: Snapshot) -> None:
    # Triggers (foreign keys, the audit log's refusal of deletes) do not fire for a replica.
    conn.execute("SET LOCAL session_replication_role = replica")
    for table in snapshot.tables:
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
    for table, rows in snapshot.seeded.items():
        marks = sql.SQL(", ").join(sql.Placeholder() * len(rows[0]))
        insert = sql.SQL("INSERT INTO {} VALUES ({})").format(sql.Identifier(table), marks)
        conn.cursor().executemany(insert, rows)
    for name, value, called in snapshot.sequences:
        conn.execute("SELECT setval(%s::regclass, %s, %s)", (f'"{name}"', value or 1, called))
