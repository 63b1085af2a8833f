"""alerts: CAP alerts targeted to sites, deliveries outbox, acknowledgements, webhooks, opt-ins

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 11:49:42.556964
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_alert_subscriptions_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_alert_subscriptions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriptions")),
        sa.UniqueConstraint("person_id", "org_id", name=op.f("uq_alert_subscriptions_person_id")),
    )
    with op.batch_alter_table("alert_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_subscriptions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "alert_webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_alert_webhooks_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_webhooks")),
    )
    with op.batch_alter_table("alert_webhooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_webhooks_org_id"), ["org_id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("cap_status", sa.String(length=16), nullable=False),
        sa.Column("msg_type", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("categories", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=500), nullable=False),
        sa.Column("response_types", sa.String(length=200), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("certainty", sa.String(length=16), nullable=False),
        sa.Column("headline", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("effective", UTCDateTime(), nullable=False),
        sa.Column("expires", UTCDateTime(), nullable=True),
        sa.Column("area_desc", sa.String(length=500), nullable=False),
        sa.Column("circle_lat", sa.Double(), nullable=True),
        sa.Column("circle_lon", sa.Double(), nullable=True),
        sa.Column("circle_radius_km", sa.Double(), nullable=True),
        sa.Column("polygons", sa.Text(), nullable=False),
        sa.Column("countries", sa.Text(), nullable=False),
        sa.Column("cities", sa.Text(), nullable=False),
        sa.Column("site_types", sa.Text(), nullable=False),
        sa.Column("network_ids", sa.Text(), nullable=False),
        sa.Column("source_xml", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_alerts_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_alerts_owner_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["alerts.id"],
            name=op.f("fk_alerts_replaces_id_alerts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("identifier", name=op.f("uq_alerts_identifier")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_owner_org_id"), ["owner_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_replaces_id"), ["replaces_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index("ix_alerts_state_expires", ["state", "expires"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_tlp"), ["tlp"], unique=False)

    op.create_table(
        "alert_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("contact_level", sa.Integer(), nullable=False),
        sa.Column("escalate_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_sites_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_alert_sites_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_sites")),
        sa.UniqueConstraint("alert_id", "site_id", name=op.f("uq_alert_sites_alert_id")),
    )
    with op.batch_alter_table("alert_sites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_sites_escalate_at"), ["escalate_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alert_sites_site_id"), ["site_id"], unique=False)

    op.create_table(
        "alerts_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_alerts_recipients_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_alerts_recipients_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["alerts.id"],
            name=op.f("fk_alerts_recipients_record_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts_recipients")),
    )
    with op.batch_alter_table("alerts_recipients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_recipients_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alerts_recipients_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alerts_recipients_record_id"), ["record_id"], unique=False
        )

    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("leased_until", UTCDateTime(), nullable=True),
        sa.Column("leased_by", sa.String(length=128), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_deliveries_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["site_contacts.id"],
            name=op.f("fk_alert_deliveries_contact_id_site_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_alert_deliveries_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_alert_deliveries_site_id_sites"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["alert_webhooks.id"],
            name=op.f("fk_alert_deliveries_webhook_id_alert_webhooks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_alert_deliveries_idempotency_key")),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_deliveries_alert_site", ["alert_id", "site_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alert_deliveries_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_alert_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alert_deliveries_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alert_deliveries_webhook_id"), ["webhook_id"], unique=False
        )

    op.create_table(
        "alert_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("by_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_alert_acknowledgements_alert_id_alerts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["alert_deliveries.id"],
            name=op.f("fk_alert_acknowledgements_delivery_id_alert_deliveries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_alert_acknowledgements_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_alert_acknowledgements_site_id_sites"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_acknowledgements")),
    )
    with op.batch_alter_table("alert_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_acknowledgements_alert_site", ["alert_id", "site_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_acknowledgements_alert_site")

    op.drop_table("alert_acknowledgements")
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_webhook_id"))
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_person_id"))
        batch_op.drop_index("ix_alert_deliveries_due")
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_contact_id"))
        batch_op.drop_index("ix_alert_deliveries_alert_site")

    op.drop_table("alert_deliveries")
    with op.batch_alter_table("alerts_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_recipients_record_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_recipients_person_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_recipients_org_id"))

    op.drop_table("alerts_recipients")
    with op.batch_alter_table("alert_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_sites_site_id"))
        batch_op.drop_index(batch_op.f("ix_alert_sites_escalate_at"))

    op.drop_table("alert_sites")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_tlp"))
        batch_op.drop_index("ix_alerts_state_expires")
        batch_op.drop_index(batch_op.f("ix_alerts_sent_at"))
        batch_op.drop_index(batch_op.f("ix_alerts_replaces_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_created_at"))

    op.drop_table("alerts")
    with op.batch_alter_table("alert_webhooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_webhooks_org_id"))

    op.drop_table("alert_webhooks")
    with op.batch_alter_table("alert_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_subscriptions_org_id"))

    op.drop_table("alert_subscriptions")
