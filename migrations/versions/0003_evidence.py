"""evidence: files attached to reports, stored content-addressed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:07:42.822471
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("redacted_sha256", sa.String(length=64), nullable=True),
        sa.Column("redacted_size", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_evidence_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["people.id"],
            name=op.f("fk_evidence_uploaded_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        # Also the index of a report's evidence (report_id leads).
        sa.UniqueConstraint("report_id", "sha256", name=op.f("uq_evidence_report_id")),
    )


def downgrade() -> None:
    op.drop_table("evidence")
