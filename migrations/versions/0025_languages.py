"""languages: organisations' default language and zone, people's zone, the public form's
location precision, and idempotent public reports (the offline form's retries)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 06:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(
            sa.Column("default_locale", sa.String(16), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=False, server_default=""))
        batch.add_column(
            sa.Column(
                "public_location_precision_m", sa.Integer(), nullable=False, server_default="1000"
            )
        )
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=False, server_default=""))
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("submission_key_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("receipt_encrypted", sa.Text(), nullable=True))
        batch.create_unique_constraint(
            batch.f("uq_reports_submission_key_hash"), ["submission_key_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_constraint(batch.f("uq_reports_submission_key_hash"), type_="unique")
        batch.drop_column("receipt_encrypted")
        batch.drop_column("submission_key_hash")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("time_zone")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("public_location_precision_m")
        batch.drop_column("time_zone")
        batch.drop_column("default_locale")
