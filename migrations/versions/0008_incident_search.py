"""incident list at scale: newest-first covering indexes, lower-cased city, trigram text search

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 12:20:00.000000

On PostgreSQL the newest-first index carries the columns of the access rule and the usual
filters (an index-only scan counts and groups by month without the table), words are found with
a pg_trgm GIN index (pg_trgm is a trusted extension: the database owner may create it), and
extended statistics on the month tell the planner how many months there are
(docs/performance.md, "The incident list on a million incidents").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = ["owner_org_id", "tlp", "status", "author_id", "type", "source", "country"]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_incidents_occurred", table_name="incidents")
    op.create_index(
        "ix_incidents_newest",
        "incidents",
        [sa.text("occurred_from DESC"), sa.text("id DESC")],
        postgresql_include=INCLUDED,
    )
    if postgresql:
        # Only here: SQLite reads its small tables, and a batch migration there would drop
        # expression indexes it cannot reflect (vigil.core.db.only_on).
        op.create_index(
            "ix_incidents_new",
            "incidents",
            [sa.text("occurred_from DESC"), sa.text("id DESC")],
            postgresql_include=[c for c in INCLUDED if c != "status"],
            postgresql_where=sa.text("status = 'new'"),
        )
        op.create_index("ix_incidents_city", "incidents", [sa.text("lower(city)")])
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_incidents_search ON incidents "
            "USING gin (lower(title || ' ' || narrative) gin_trgm_ops)"
        )
        op.execute(
            "CREATE STATISTICS incidents_month ON "
            "(date_trunc('month', timezone('UTC', occurred_from))) FROM incidents"
        )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP STATISTICS IF EXISTS incidents_month")
        op.execute("DROP INDEX IF EXISTS ix_incidents_search")
        # pg_trgm stays: other databases' objects or a later migration may use it.
        op.drop_index("ix_incidents_city", table_name="incidents")
        op.drop_index("ix_incidents_new", table_name="incidents")
    op.drop_index("ix_incidents_newest", table_name="incidents")
    op.create_index("ix_incidents_occurred", "incidents", ["occurred_from"])
