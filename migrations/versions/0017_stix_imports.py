"""STIX bundle imports: remote organisations (flag and STIX identity id on organisations), each
imported bundle and what became of each of its objects (record provenance, raw STIX kept)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite): every other table refers to organisations.
    op.add_column(
        "organisations",
        sa.Column("remote", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "organisations", sa.Column("stix_identity_id", sa.String(length=100), nullable=True)
    )
    op.create_index(
        op.f("ix_organisations_stix_identity_id"),
        "organisations",
        ["stix_identity_id"],
        unique=True,
    )
    op.create_table(
        "stix_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("bundle_id", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("object_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_stix_imports_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_stix_imports_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stix_imports")),
    )
    op.create_index(op.f("ix_stix_imports_org_id"), "stix_imports", ["org_id"], unique=False)
    op.create_table(
        "stix_import_objects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stix_id", sa.String(length=250), nullable=False),
        sa.Column("stix_type", sa.String(length=250), nullable=False),
        sa.Column("version", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("tlp", sa.String(length=16), nullable=True),
        sa.Column("sender_org_id", sa.Integer(), nullable=True),
        sa.Column("record_type", sa.String(length=32), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["stix_imports.id"],
            name=op.f("fk_stix_import_objects_import_id_stix_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_org_id"],
            ["organisations.id"],
            name=op.f("fk_stix_import_objects_sender_org_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stix_import_objects")),
    )
    op.create_index(
        op.f("ix_stix_import_objects_import_id"),
        "stix_import_objects",
        ["import_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_stix_import_objects_stix_id"), "stix_import_objects", ["stix_id"], unique=False
    )
    op.create_index(
        "ix_stix_import_objects_record",
        "stix_import_objects",
        ["record_type", "record_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("stix_import_objects")
    op.drop_table("stix_imports")
    op.drop_index(op.f("ix_organisations_stix_identity_id"), table_name="organisations")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("stix_identity_id")
        batch_op.drop_column("remote")
