"""orgs: remembered and saved filters of the list pages

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-12 10:00:00

A person's last filters of each list (incidents, sites, alerts) are applied when they open it
again, and filters they named are links above the list (issue 19). No index is added for the
lists' sorting: the sortable columns already have one (occurred_from and id, the place, type,
status, TLP) or the lists are small enough to sort (sites, alerts).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "list_preferences",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=32), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_list_preferences_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "list_name", name=op.f("pk_list_preferences")),
    )
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_saved_filters_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint(
            "person_id", "list_name", "name", name=op.f("uq_saved_filters_person_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("saved_filters")
    op.drop_table("list_preferences")
