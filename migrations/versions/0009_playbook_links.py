"""playbook links: review actions point at site measures; roll-call entries keep the contact's
priority instead of a foreign key to contacts that are replaced as a whole

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("after_action_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("measure_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_after_action_items_measure_id"), ["measure_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_after_action_items_measure_id_site_measures"),
            "site_measures",
            ["measure_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_column("measure_ref")
    with op.batch_alter_table("roll_call_entries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_roll_call_entries_contact", type_="unique")
        batch_op.drop_constraint(
            "fk_roll_call_entries_contact_id_site_contacts", type_="foreignkey"
        )
        batch_op.drop_column("contact_id")
        batch_op.add_column(sa.Column("contact_priority", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_roll_call_entries_contact", ["roll_call_id", "contact_priority"]
        )


def downgrade() -> None:
    with op.batch_alter_table("roll_call_entries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_roll_call_entries_contact", type_="unique")
        batch_op.drop_column("contact_priority")
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_roll_call_entries_contact_id_site_contacts",
            "site_contacts",
            ["contact_id"],
            ["id"],
        )
        batch_op.create_unique_constraint(
            "uq_roll_call_entries_contact", ["roll_call_id", "contact_id"]
        )
    with op.batch_alter_table("after_action_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("measure_ref", sa.String(length=200), nullable=True))
        batch_op.drop_constraint(
            batch_op.f("fk_after_action_items_measure_id_site_measures"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_after_action_items_measure_id"))
        batch_op.drop_column("measure_id")
