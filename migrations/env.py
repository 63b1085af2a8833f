"""Alembic environment: the URL comes from the caller (vigil db upgrade) or from Settings."""

from alembic import context
from sqlalchemy import pool

from vigil.core.config import get_settings
from vigil.core.db import make_engine
from vigil.core.migrate import include_object
from vigil.models import metadata

config = context.config
url = config.attributes.get("url") or get_settings().sqlalchemy_url


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            include_object=include_object(connection.dialect.name),
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite's way to change a table (a batch migration) copies it and drops the
            # original; with foreign keys on, that drop would delete or empty the rows of other
            # tables that refer to it. Off before the transaction begins (inside one the pragma
            # is ignored), and the references are checked before the commit instead.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(
            connection=conn,
            target_metadata=metadata,
            render_as_batch=True,
            include_object=include_object(conn.dialect.name),
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left broken references: {broken[:10]}")
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations()
