"""Engine, sessions and the declarative base; every SQLite/PostgreSQL difference lives here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import DateTime, Engine, Index, MetaData, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC on the way in and out, also on SQLite, which drops the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use timezone-aware UTC")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime()}


def only_on(dialect: str, index: Index) -> Index:
    """An index that exists on one database only (e.g. a PostgreSQL GIN index).

    `create_all` skips it elsewhere, and `vigil.core.migrate.include_object` leaves it out of
    the model/migration comparison on other databases, where the migration does not create it.
    """
    index.info["only_on"] = dialect
    return index.ddl_if(dialect=dialect)


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock at BEGIN (IMMEDIATE), so two writers queue on busy_timeout
    # instead of failing when a reader upgrades to a writer; read-only work begins DEFERRED
    # so that, in WAL mode, it never blocks writers.
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if "poolclass" not in kwargs:
        # Up to 40 connections, as many as FastAPI's thread pool runs requests at once (fewer
        # left requests that hold a connection waiting for a thread held by one waiting for a
        # connection: a burst of 200 room streams stalled for the 30 s pool timeout); 20 stay
        # open so a busy server mostly reuses them. PostgreSQL's max_connections must cover
        # 40 per server or worker process.
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 20)
    if is_sqlite(url):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is switched off so BEGIN is ours.
        event.listen(
            engine, "connect", lambda dbapi_conn, _r: setattr(dbapi_conn, "isolation_level", None)
        )
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # JIT compilation costs 100-200 ms on the short, index-driven queries Vigil runs (measured
    # on the duplicate search over 1,000,000 incidents) and wins nothing back on them.
    connect_args = {"options": "-c jit=off"} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


@lru_cache(maxsize=32)
def get_engine(url: str) -> Engine:
    return make_engine(url)


@lru_cache(maxsize=64)
def get_sessionmaker(url: str, *, readonly: bool = False) -> sessionmaker[Session]:
    """Sessions for writing, or (readonly) for reading without taking SQLite's write lock."""
    engine = get_engine(url)
    bind = engine.execution_options(sqlite_begin="DEFERRED") if readonly else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


@contextmanager
def transaction(url: str) -> Iterator[Session]:
    """The boundary of one unit of work: commit if the block succeeds, roll back if it raises."""
    session = get_sessionmaker(url)()
    try:
        yield session
        commit(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def commit(session: Session) -> None:
    """Commit, then run what waited for the commit (e.g. the audit checkpoint file)."""
    session.commit()
    for callback in session.info.pop("after_commit", []):
        callback()


def bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the session's transaction, fast on both databases: COPY on
    PostgreSQL (one stream instead of a statement per row), executemany on SQLite. Every row
    gives every column it sets, with Python values (aware datetimes, not SQL expressions)."""
    if not rows:
        return
    columns = list(rows[0])
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    for value in (v for row in rows for v in row.values()):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use timezone-aware UTC")
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def append_only_ddl(table: str, dialect: str) -> list[str]:
    """Triggers that make a table append-only in the database itself (DECISIONS 14)."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        ]
    return [
        "CREATE OR REPLACE FUNCTION vigil_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION vigil_append_only()",
    ]


def ping(session: Session) -> None:
    session.execute(text("SELECT 1"))
