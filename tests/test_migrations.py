"""The migrations build exactly the schema the models describe, and can be walked both ways."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from vigil.core.db import get_engine
from vigil.core.migrate import alembic_config, head_revision, include_object
from vigil.models import metadata


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    with get_engine(db_url).connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object(conn.dialect.name)}
        )
        differences = compare_metadata(context, metadata)

    assert differences == []


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    config = alembic_config(db_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")

    with get_engine(db_url).connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision(db_url)
