"""incidents: the received incident an incident was adopted from

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-13 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("derived_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_incidents_derived_from_id_incidents"),
            "incidents",
            ["derived_from_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_incidents_derived_from_id"), ["derived_from_id"])


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index(op.f("ix_incidents_derived_from_id"))
        batch.drop_constraint(op.f("fk_incidents_derived_from_id_incidents"), type_="foreignkey")
        batch.drop_column("derived_from_id")
