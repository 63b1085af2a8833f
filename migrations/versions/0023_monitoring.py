"""monitoring: sources, articles, stories, watches, signals, feedback, classifiers

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 00:27:50.923082
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_classifiers",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("effect", sa.Text(), nullable=False),
        sa.Column("trained_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_classifiers_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_monitoring_classifiers")),
    )
    op.create_table(
        "monitoring_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=False),
        sa.Column("last_modified", sa.String(length=100), nullable=False),
        sa.Column("health", sa.String(length=16), nullable=False),
        sa.Column("next_poll_at", UTCDateTime(), nullable=False),
        sa.Column("last_poll_at", UTCDateTime(), nullable=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_error_at", UTCDateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_monitoring_sources_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_sources_owner_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_sources")),
    )
    with op.batch_alter_table("monitoring_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_sources_next_poll_at"), ["next_poll_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_sources_owner_org_id"), ["owner_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_monitoring_sources_tlp"), ["tlp"], unique=False)

    op.create_table(
        "monitoring_stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("incident_type", sa.String(length=64), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_stories_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_stories")),
    )
    with op.batch_alter_table("monitoring_stories", schema=None) as batch_op:
        batch_op.create_index(
            "ix_monitoring_stories_org_last_seen", ["org_id", "last_seen_at"], unique=False
        )

    op.create_table(
        "monitoring_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("url_key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=300), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.Column("text_purged_at", UTCDateTime(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("language_confidence", sa.Float(), nullable=False),
        sa.Column("analysed_at", UTCDateTime(), nullable=True),
        sa.Column("minhash", sa.LargeBinary(), nullable=True),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("entities", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("incident_type", sa.String(length=64), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_articles_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["monitoring_sources.id"],
            name=op.f("fk_monitoring_articles_source_id_monitoring_sources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["monitoring_stories.id"],
            name=op.f("fk_monitoring_articles_story_id_monitoring_stories"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_articles")),
        sa.UniqueConstraint("source_id", "url_key", name=op.f("uq_monitoring_articles_source_id")),
    )
    with op.batch_alter_table("monitoring_articles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_articles_analysed_at"), ["analysed_at"], unique=False
        )
        batch_op.create_index(
            "ix_monitoring_articles_org_fetched", ["org_id", "fetched_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_articles_source_id"), ["source_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_articles_story_id"), ["story_id"], unique=False
        )

    op.create_table(
        "monitoring_sources_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_sources_recipients_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_monitoring_sources_recipients_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["monitoring_sources.id"],
            name=op.f("fk_monitoring_sources_recipients_record_id_monitoring_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_sources_recipients")),
    )
    with op.batch_alter_table("monitoring_sources_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_sources_recipients_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_sources_recipients_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_sources_recipients_record_id"), ["record_id"], unique=False
        )

    op.create_table(
        "monitoring_watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("radius_km", sa.Float(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_monitoring_watches_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_watches_owner_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_monitoring_watches_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_watches")),
    )
    with op.batch_alter_table("monitoring_watches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_watches_owner_org_id"), ["owner_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_monitoring_watches_tlp"), ["tlp"], unique=False)

    op.create_table(
        "monitoring_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("incident_type", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["monitoring_articles.id"],
            name=op.f("fk_monitoring_feedback_article_id_monitoring_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_feedback_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_monitoring_feedback_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_feedback")),
        sa.UniqueConstraint("org_id", "article_id", name=op.f("uq_monitoring_feedback_org_id")),
    )
    op.create_table(
        "monitoring_watches_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_watches_recipients_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_monitoring_watches_recipients_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["monitoring_watches.id"],
            name=op.f("fk_monitoring_watches_recipients_record_id_monitoring_watches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_watches_recipients")),
    )
    with op.batch_alter_table("monitoring_watches_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_watches_recipients_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_watches_recipients_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_watches_recipients_record_id"), ["record_id"], unique=False
        )

    op.create_table(
        "monitoring_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("incident_type", sa.String(length=64), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("tlp", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_monitoring_signals_alert_id_alerts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_monitoring_signals_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["people.id"],
            name=op.f("fk_monitoring_signals_decided_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_monitoring_signals_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_signals_owner_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_monitoring_signals_site_id_sites"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["monitoring_stories.id"],
            name=op.f("fk_monitoring_signals_story_id_monitoring_stories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_signals")),
        sa.UniqueConstraint(
            "owner_org_id", "story_id", name=op.f("uq_monitoring_signals_owner_org_id")
        ),
    )
    with op.batch_alter_table("monitoring_signals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_monitoring_signals_org_status", ["owner_org_id", "status", "score"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_signals_owner_org_id"), ["owner_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_monitoring_signals_tlp"), ["tlp"], unique=False)

    op.create_table(
        "monitoring_signals_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_monitoring_signals_recipients_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_monitoring_signals_recipients_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["monitoring_signals.id"],
            name=op.f("fk_monitoring_signals_recipients_record_id_monitoring_signals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_signals_recipients")),
    )
    with op.batch_alter_table("monitoring_signals_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_signals_recipients_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_signals_recipients_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_signals_recipients_record_id"), ["record_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("monitoring_signals_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_signals_recipients_record_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_signals_recipients_person_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_signals_recipients_org_id"))

    op.drop_table("monitoring_signals_recipients")
    with op.batch_alter_table("monitoring_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_signals_tlp"))
        batch_op.drop_index(batch_op.f("ix_monitoring_signals_owner_org_id"))
        batch_op.drop_index("ix_monitoring_signals_org_status")

    op.drop_table("monitoring_signals")
    with op.batch_alter_table("monitoring_watches_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_watches_recipients_record_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_watches_recipients_person_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_watches_recipients_org_id"))

    op.drop_table("monitoring_watches_recipients")
    op.drop_table("monitoring_feedback")
    with op.batch_alter_table("monitoring_watches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_watches_tlp"))
        batch_op.drop_index(batch_op.f("ix_monitoring_watches_owner_org_id"))

    op.drop_table("monitoring_watches")
    with op.batch_alter_table("monitoring_sources_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_sources_recipients_record_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_sources_recipients_person_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_sources_recipients_org_id"))

    op.drop_table("monitoring_sources_recipients")
    with op.batch_alter_table("monitoring_articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_articles_story_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_articles_source_id"))
        batch_op.drop_index("ix_monitoring_articles_org_fetched")
        batch_op.drop_index(batch_op.f("ix_monitoring_articles_analysed_at"))

    op.drop_table("monitoring_articles")
    with op.batch_alter_table("monitoring_stories", schema=None) as batch_op:
        batch_op.drop_index("ix_monitoring_stories_org_last_seen")

    op.drop_table("monitoring_stories")
    with op.batch_alter_table("monitoring_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_sources_tlp"))
        batch_op.drop_index(batch_op.f("ix_monitoring_sources_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_sources_next_poll_at"))

    op.drop_table("monitoring_sources")
    op.drop_table("monitoring_classifiers")
