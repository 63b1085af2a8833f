"""orgs: money bands of the measures' cost classes per organisation

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-11 10:00:00

An organisation's administrators say what a low, medium and high cost measure costs in their
currency (issue 21), so the plan shows money ranges and totals and exports a funding table.
Without a row the plan uses the defaults of `orgs.cost_bands`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cost_bands",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("low_min", sa.BigInteger(), nullable=False),
        sa.Column("low_max", sa.BigInteger(), nullable=False),
        sa.Column("medium_min", sa.BigInteger(), nullable=False),
        sa.Column("medium_max", sa.BigInteger(), nullable=False),
        sa.Column("high_min", sa.BigInteger(), nullable=False),
        sa.Column("high_max", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_cost_bands_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_cost_bands")),
    )


def downgrade() -> None:
    op.drop_table("cost_bands")
