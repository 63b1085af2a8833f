"""privacy: erased people, and report versions that retention may delete

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-10 10:00:00

A person erased by an administrator keeps their row (the records they wrote still point to it)
with `erased_at` set. Report versions stay append-only, except that the versions of a report
marked `purged` (retention, docs/privacy.md) may be deleted with it; UPDATE is refused as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_DELETE_GUARD = (
    "CREATE TRIGGER report_versions_no_delete BEFORE DELETE ON report_versions "
    "WHEN NOT EXISTS (SELECT 1 FROM reports WHERE reports.id = OLD.report_id "
    "AND reports.status = 'purged') "
    "BEGIN SELECT RAISE(ABORT, 'report_versions is append-only'); END"
)
POSTGRESQL_DELETE_GUARD = (
    "CREATE OR REPLACE FUNCTION vigil_report_versions_guard() RETURNS trigger AS $$ "
    "BEGIN "
    "IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM reports WHERE reports.id = OLD.report_id "
    "AND reports.status = 'purged') THEN RETURN OLD; END IF; "
    "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; "
    "END $$ LANGUAGE plpgsql"
)


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER report_versions_no_delete")
        op.execute(SQLITE_DELETE_GUARD)
    else:
        op.execute(POSTGRESQL_DELETE_GUARD)
        op.execute("DROP TRIGGER report_versions_append_only ON report_versions")
        op.execute(
            "CREATE TRIGGER report_versions_append_only BEFORE UPDATE OR DELETE ON "
            "report_versions FOR EACH ROW EXECUTE FUNCTION vigil_report_versions_guard()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER report_versions_no_delete")
        op.execute(
            "CREATE TRIGGER report_versions_no_delete BEFORE DELETE ON report_versions "
            "BEGIN SELECT RAISE(ABORT, 'report_versions is append-only'); END"
        )
    else:
        op.execute("DROP TRIGGER report_versions_append_only ON report_versions")
        op.execute(
            "CREATE TRIGGER report_versions_append_only BEFORE UPDATE OR DELETE ON "
            "report_versions FOR EACH ROW EXECUTE FUNCTION vigil_append_only()"
        )
        op.execute("DROP FUNCTION vigil_report_versions_guard()")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
