"""sharing: a profile switch for incidents' reports as STIX notes

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-12 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sharing_profiles") as batch:
        batch.add_column(
            sa.Column("share_reports", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("sharing_profiles") as batch:
        batch.drop_column("share_reports")
