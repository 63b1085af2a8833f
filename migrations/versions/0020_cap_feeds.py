"""alerts: subscriptions to CAP Atom feeds of peers and authorities (schedule, relay rule,
conditional GET, health) and the entries read from them

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-14 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_cap_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("auto_relay", sa.Boolean(), nullable=False),
        sa.Column("min_severity", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=False),
        sa.Column("senders", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("etag", sa.String(length=500), nullable=False),
        sa.Column("last_modified", sa.String(length=100), nullable=False),
        sa.Column("next_poll_at", UTCDateTime(), nullable=False),
        sa.Column("last_poll_at", UTCDateTime(), nullable=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_error_at", UTCDateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("imported_count", sa.Integer(), nullable=False),
        sa.Column("relayed_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_alert_cap_feeds_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["people.id"],
            name=op.f("fk_alert_cap_feeds_set_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_cap_feeds")),
    )
    op.create_index(op.f("ix_alert_cap_feeds_org_id"), "alert_cap_feeds", ["org_id"])
    op.create_index(op.f("ix_alert_cap_feeds_next_poll_at"), "alert_cap_feeds", ["next_poll_at"])
    op.create_table(
        "alert_cap_feed_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=800), nullable=False),
        sa.Column("document_url", sa.String(length=2000), nullable=False),
        sa.Column("reference", sa.String(length=800), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["alert_cap_feeds.id"],
            name=op.f("fk_alert_cap_feed_items_feed_id_alert_cap_feeds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_cap_feed_items_alert_id_alerts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_cap_feed_items")),
        sa.UniqueConstraint("feed_id", "entry_key", name=op.f("uq_alert_cap_feed_items_feed_id")),
    )
    op.create_index(op.f("ix_alert_cap_feed_items_alert_id"), "alert_cap_feed_items", ["alert_id"])
    op.create_index(
        "ix_alert_cap_feed_items_feed_reference", "alert_cap_feed_items", ["feed_id", "reference"]
    )


def downgrade() -> None:
    op.drop_index("ix_alert_cap_feed_items_feed_reference", table_name="alert_cap_feed_items")
    op.drop_index(op.f("ix_alert_cap_feed_items_alert_id"), table_name="alert_cap_feed_items")
    op.drop_table("alert_cap_feed_items")
    op.drop_index(op.f("ix_alert_cap_feeds_next_poll_at"), table_name="alert_cap_feeds")
    op.drop_index(op.f("ix_alert_cap_feeds_org_id"), table_name="alert_cap_feeds")
    op.drop_table("alert_cap_feeds")
