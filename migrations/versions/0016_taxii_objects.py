"""TAXII store: the STIX objects that may leave, with their owner, TLP and recipients for the
access rule, keyset-paged by (date added, id); the status of each POST of objects; records'
`updated_at` indexed, where the store's refresh starts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stix_objects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stix_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("stix_type", sa.String(length=64), nullable=False),
        sa.Column("spec_version", sa.String(length=8), nullable=False),
        sa.Column("date_added", UTCDateTime(), nullable=False),
        sa.Column("record_kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("source_updated_at", UTCDateTime(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_stix_objects_owner_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_stix_objects_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stix_objects")),
        sa.UniqueConstraint("stix_id", "version", name="uq_stix_objects_stix_id_version"),
    )
    op.create_index("ix_stix_objects_added", "stix_objects", ["date_added", "id"])
    op.create_index("ix_stix_objects_type_added", "stix_objects", ["stix_type", "date_added", "id"])
    op.create_index("ix_stix_objects_record", "stix_objects", ["record_kind", "record_id"])
    op.create_index(
        "ix_stix_objects_source_updated", "stix_objects", ["record_kind", "source_updated_at"]
    )
    op.create_index(op.f("ix_stix_objects_owner_org_id"), "stix_objects", ["owner_org_id"])
    op.create_index(op.f("ix_stix_objects_tlp"), "stix_objects", ["tlp"])
    op.create_table(
        "stix_objects_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_stix_objects_recipients_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_stix_objects_recipients_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["stix_objects.id"],
            name=op.f("fk_stix_objects_recipients_record_id_stix_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stix_objects_recipients")),
    )
    for column in ("record_id", "org_id", "person_id"):
        op.create_index(
            op.f(f"ix_stix_objects_recipients_{column}"), "stix_objects_recipients", [column]
        )
    op.create_table(
        "taxii_statuses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("request_timestamp", UTCDateTime(), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_taxii_statuses_owner_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_taxii_statuses_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxii_statuses")),
    )
    op.create_index(op.f("ix_taxii_statuses_owner_org_id"), "taxii_statuses", ["owner_org_id"])
    op.create_index(op.f("ix_incidents_updated_at"), "incidents", ["updated_at"])
    op.create_index(op.f("ix_notices_updated_at"), "notices", ["updated_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notices_updated_at"), table_name="notices")
    op.drop_index(op.f("ix_incidents_updated_at"), table_name="incidents")
    op.drop_table("taxii_statuses")
    op.drop_table("stix_objects_recipients")
    op.drop_table("stix_objects")
