"""imported CAP messages keep their own reference (to link later Updates and Cancels) and the
rest of the message (further info blocks, parameters, resources, geocodes, signatures)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_reference", sa.String(length=800), nullable=True))
        batch_op.add_column(sa.Column("cap_details", sa.Text(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_alerts_source_reference"), ["source_reference"], unique=False
        )
    # Alerts imported before kept the message's reference as their only `references`.
    alerts = sa.table(
        "alerts",
        sa.column("references", sa.Text()),
        sa.column("source_reference", sa.String()),
        sa.column("origin", sa.String()),
        sa.column("replaces_id", sa.Integer()),
    )
    op.execute(
        alerts.update()
        .where(alerts.c.origin == "imported", alerts.c.replaces_id.is_(None))
        .values(source_reference=alerts.c.references)
    )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_source_reference"))
        batch_op.drop_column("cap_details")
        batch_op.drop_column("source_reference")
