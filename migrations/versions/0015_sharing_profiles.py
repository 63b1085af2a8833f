"""sharing profiles: what each organisation lets leave with its records as STIX (narrative,
place precision, typology fields); no row means the defaults

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sharing_profiles",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("share_narrative", sa.Boolean(), nullable=False),
        sa.Column("place_precision", sa.String(length=16), nullable=False),
        sa.Column("typology_fields", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_sharing_profiles_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_sharing_profiles")),
    )


def downgrade() -> None:
    op.drop_table("sharing_profiles")
