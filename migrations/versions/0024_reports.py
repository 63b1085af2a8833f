"""reports: figures, annual reports

The figures' marks are written by triggers on incidents and incident_codes, so that every
change (bulk imports and deletions too) reaches the refresh (vigil.reports.figures).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 03:38:39.359457
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime, append_only_ddl

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "figure_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("occurred_from", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_marks")),
    )
    op.create_table(
        "figure_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", UTCDateTime(), nullable=True),
        sa.Column("rebuilt_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_state")),
    )
    op.create_table(
        "annual_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notable_incident_ids", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_figures", sa.Text(), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["people.id"],
            name=op.f("fk_annual_reports_created_by_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_annual_reports_owner_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_reports")),
        sa.UniqueConstraint("owner_org_id", "slug", name=op.f("uq_annual_reports_owner_org_id")),
    )
    with op.batch_alter_table("annual_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_annual_reports_owner_org_id"), ["owner_org_id"], unique=False
        )

    op.create_table(
        "figure_cells",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=False),
        sa.Column("scheme", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_figure_cells_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "org_id",
            "month",
            "status",
            "type",
            "target_kind",
            "country",
            "region",
            "city",
            "scheme",
            "code",
            name=op.f("pk_figure_cells"),
        ),
    )
    with op.batch_alter_table("figure_cells", schema=None) as batch_op:
        batch_op.create_index(
            "ix_figure_cells_code",
            ["org_id", "scheme", "code", "type", "month"],
            unique=False,
            postgresql_include=["status", "incidents"],
        )

    op.create_table(
        "figure_months",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheme", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_figure_months_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "month", "status", "scheme", "code", name=op.f("pk_figure_months")
        ),
    )
    op.create_table(
        "annual_report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sections", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_annual_report_versions_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["annual_reports.id"],
            name=op.f("fk_annual_report_versions_report_id_annual_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_report_versions")),
        sa.UniqueConstraint(
            "report_id", "version", name=op.f("uq_annual_report_versions_report_id")
        ),
    )
    with op.batch_alter_table("annual_report_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_annual_report_versions_report_id"), ["report_id"], unique=False
        )

    dialect = op.get_bind().dialect.name
    for statement in append_only_ddl("annual_report_versions", dialect):
        op.execute(statement)
    for statement in mark_triggers(dialect):
        op.execute(statement)
    # Existing incidents: the first refresh counts them.
    op.execute(
        "INSERT INTO figure_marks (org_id, occurred_from) "
        "SELECT owner_org_id, occurred_from FROM incidents"
    )


# The columns a figure depends on: an update of any other (a title, the marking) leaves no mark.
COUNTED_COLUMNS = (
    "owner_org_id, occurred_from, timezone, status, type, target_kind, country, city, lat, lon"
)
_MARK = "INSERT INTO figure_marks (org_id, occurred_from) "


def mark_triggers(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            "CREATE TRIGGER incidents_figures_insert AFTER INSERT ON incidents "
            f"BEGIN {_MARK}VALUES (NEW.owner_org_id, NEW.occurred_from); END",
            f"CREATE TRIGGER incidents_figures_update AFTER UPDATE OF {COUNTED_COLUMNS} "
            f"ON incidents BEGIN {_MARK}VALUES (OLD.owner_org_id, OLD.occurred_from); "
            f"{_MARK}VALUES (NEW.owner_org_id, NEW.occurred_from); END",
            "CREATE TRIGGER incidents_figures_delete AFTER DELETE ON incidents "
            f"BEGIN {_MARK}VALUES (OLD.owner_org_id, OLD.occurred_from); END",
            "CREATE TRIGGER incident_codes_figures_insert AFTER INSERT ON incident_codes "
            "BEGIN INSERT INTO figure_marks (org_id, occurred_from) "
            "SELECT owner_org_id, occurred_from FROM incidents "
            "WHERE id = NEW.incident_id; END",
            "CREATE TRIGGER incident_codes_figures_delete AFTER DELETE ON incident_codes "
            "BEGIN INSERT INTO figure_marks (org_id, occurred_from) "
            "SELECT owner_org_id, occurred_from FROM incidents "
            "WHERE id = OLD.incident_id; END",
        ]
    return [
        "CREATE OR REPLACE FUNCTION vigil_figures_incident() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_MARK}VALUES (OLD.owner_org_id, OLD.occurred_from); "
        f"END IF; IF TG_OP <> 'DELETE' THEN {_MARK}VALUES (NEW.owner_org_id, "
        "NEW.occurred_from); END IF; RETURN NULL; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER incidents_figures_insert AFTER INSERT OR DELETE ON incidents "
        "FOR EACH ROW EXECUTE FUNCTION vigil_figures_incident()",
        f"CREATE TRIGGER incidents_figures_update AFTER UPDATE OF {COUNTED_COLUMNS} "
        "ON incidents FOR EACH ROW EXECUTE FUNCTION vigil_figures_incident()",
        "CREATE OR REPLACE FUNCTION vigil_figures_code() RETURNS trigger AS $$ BEGIN "
        "INSERT INTO figure_marks (org_id, occurred_from) "
        "SELECT owner_org_id, occurred_from FROM incidents WHERE id = "
        "(CASE WHEN TG_OP = 'DELETE' THEN OLD.incident_id ELSE NEW.incident_id END); "
        "RETURN NULL; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER incident_codes_figures AFTER INSERT OR DELETE ON incident_codes "
        "FOR EACH ROW EXECUTE FUNCTION vigil_figures_code()",
    ]


def downgrade() -> None:
    for trigger, table in (
        ("incidents_figures_insert", "incidents"),
        ("incidents_figures_update", "incidents"),
        ("incidents_figures_delete", "incidents"),
        ("incident_codes_figures_insert", "incident_codes"),
        ("incident_codes_figures_delete", "incident_codes"),
        ("incident_codes_figures", "incident_codes"),
    ):
        on = "" if op.get_bind().dialect.name == "sqlite" else f" ON {table}"
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}{on}")
    with op.batch_alter_table("annual_report_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annual_report_versions_report_id"))

    op.drop_table("annual_report_versions")
    op.drop_table("figure_months")
    with op.batch_alter_table("figure_cells", schema=None) as batch_op:
        batch_op.drop_index("ix_figure_cells_code")

    op.drop_table("figure_cells")
    with op.batch_alter_table("annual_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annual_reports_owner_org_id"))

    op.drop_table("annual_reports")
    op.drop_table("figure_state")
    op.drop_table("figure_marks")
