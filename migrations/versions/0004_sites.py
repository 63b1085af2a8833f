"""sites: soft targets with perimeters, contacts and event calendars; incidents at a site;
organisations declare a national threat level

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:46:46.199530
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("perimeter", sa.Text(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("typical_attendance", sa.Integer(), nullable=False),
        sa.Column("opening_pattern", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_sites_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_sites_owner_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index("ix_sites_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index(batch_op.f("ix_sites_owner_org_id"), ["owner_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sites_tlp"), ["tlp"], unique=False)
        batch_op.create_index(batch_op.f("ix_sites_type"), ["type"], unique=False)

    op.create_table(
        "site_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("email_encrypted", sa.Text(), nullable=True),
        sa.Column("phone_encrypted", sa.Text(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_site_contacts_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_contacts_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_contacts")),
        sa.UniqueConstraint("site_id", "priority", name=op.f("uq_site_contacts_site_id")),
    )
    with op.batch_alter_table("site_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_contacts_person_id"), ["person_id"], unique=False)

    op.create_table(
        "site_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("recurrence", sa.String(length=16), nullable=False),
        sa.Column("expected_attendance", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_events_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_events")),
    )
    with op.batch_alter_table("site_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_events_site_id"), ["site_id"], unique=False)

    op.create_table(
        "sites_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_sites_recipients_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_sites_recipients_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["sites.id"],
            name=op.f("fk_sites_recipients_record_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites_recipients")),
    )
    with op.batch_alter_table("sites_recipients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sites_recipients_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sites_recipients_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sites_recipients_record_id"), ["record_id"], unique=False
        )

    op.add_column(
        "organisations",
        sa.Column("national_threat_level", sa.Integer(), server_default="2", nullable=False),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_incidents_site_id"), ["site_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_incidents_site_id_sites"),
            "sites",
            ["site_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_incidents_site_id_sites"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_incidents_site_id"))
        batch_op.drop_column("site_id")
    op.drop_column("organisations", "national_threat_level")

    with op.batch_alter_table("sites_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_recipients_record_id"))
        batch_op.drop_index(batch_op.f("ix_sites_recipients_person_id"))
        batch_op.drop_index(batch_op.f("ix_sites_recipients_org_id"))

    op.drop_table("sites_recipients")
    with op.batch_alter_table("site_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_events_site_id"))

    op.drop_table("site_events")
    with op.batch_alter_table("site_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_contacts_person_id"))

    op.drop_table("site_contacts")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_type"))
        batch_op.drop_index(batch_op.f("ix_sites_tlp"))
        batch_op.drop_index(batch_op.f("ix_sites_owner_org_id"))
        batch_op.drop_index("ix_sites_lat_lon")

    op.drop_table("sites")
