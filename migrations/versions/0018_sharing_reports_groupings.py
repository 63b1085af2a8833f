"""sharing: a profile switch for incidents' reports as STIX notes; groupings (sets of incidents
an analyst shares on purpose) with their recipients

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-12 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sharing_profiles") as batch:
        batch.add_column(
            sa.Column("share_reports", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "stix_groupings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("incident_ids", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_stix_groupings_owner_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_stix_groupings_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stix_groupings")),
    )
    op.create_index(op.f("ix_stix_groupings_created_at"), "stix_groupings", ["created_at"])
    op.create_index(op.f("ix_stix_groupings_owner_org_id"), "stix_groupings", ["owner_org_id"])
    op.create_index(op.f("ix_stix_groupings_tlp"), "stix_groupings", ["tlp"])
    op.create_table(
        "stix_groupings_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_stix_groupings_recipients_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_stix_groupings_recipients_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["stix_groupings.id"],
            name=op.f("fk_stix_groupings_recipients_record_id_stix_groupings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stix_groupings_recipients")),
    )
    for column in ("record_id", "org_id", "person_id"):
        op.create_index(
            op.f(f"ix_stix_groupings_recipients_{column}"), "stix_groupings_recipients", [column]
        )


def downgrade() -> None:
    op.drop_table("stix_groupings_recipients")
    op.drop_table("stix_groupings")
    with op.batch_alter_table("sharing_profiles") as batch:
        batch.drop_column("share_reports")
