"""incidents: organisations' decisions on received incidents in triage (same event, not the same)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-13 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "received_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("local_incident_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_received_decisions_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_received_decisions_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["local_incident_id"],
            ["incidents.id"],
            name=op.f("fk_received_decisions_local_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_received_decisions_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_decisions")),
        sa.UniqueConstraint(
            "incident_id", "org_id", name=op.f("uq_received_decisions_incident_id")
        ),
    )
    op.create_index(op.f("ix_received_decisions_org_id"), "received_decisions", ["org_id"])
    op.create_index(
        op.f("ix_received_decisions_local_incident_id"), "received_decisions", ["local_incident_id"]
    )


def downgrade() -> None:
    op.drop_table("received_decisions")
