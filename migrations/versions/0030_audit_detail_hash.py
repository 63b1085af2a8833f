"""audit entries are signed over their detail's hash, so retention can redact the detail

New entries carry `detail_sha256`; their signature and chain link cover it instead of the detail
(`vigil.core.audit_detail`). The append-only trigger of `audit_log` now lets exactly one UPDATE
through: an entry that has the hash getting the redaction marker as its detail, every other
column unchanged. Entries written before keep their detail: their chain covers it.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.audit_detail import REDACTED

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Escaped for sqlalchemy.text(), which op.execute wraps a string in: ":true" is no parameter.
MARKER = REDACTED.replace(":", "\\:")
KEPT = ("id", "at", "actor_id", "actor", "org_id", "action", "target_type", "target_id", "ip")
KEPT += ("nonce", "mac", "detail_sha256")
SQLITE_UPDATE_GUARD = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN NOT ("
    f"OLD.detail_sha256 IS NOT NULL AND NEW.detail = '{MARKER}' AND "
    + " AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT)
    + ") BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)
POSTGRESQL_GUARD = (
    "CREATE OR REPLACE FUNCTION vigil_audit_log_guard() RETURNS trigger AS $$ "
    "BEGIN "
    "IF TG_OP = 'UPDATE' AND OLD.detail_sha256 IS NOT NULL "
    f"AND NEW.detail = '{MARKER}' "
    "AND to_jsonb(NEW) - 'detail' = to_jsonb(OLD) - 'detail' THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; "
    "END $$ LANGUAGE plpgsql"
)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("detail_sha256", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute(SQLITE_UPDATE_GUARD)
    else:
        op.execute(POSTGRESQL_GUARD)
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION vigil_audit_log_guard()"
        )


def downgrade() -> None:
    # Entries signed over their detail's hash do not verify under 0029's code. SQLite drops the
    # column in place (a batch copy of the table would lose its triggers).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("ALTER TABLE audit_log DROP COLUMN detail_sha256")
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
        return
    op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION vigil_append_only()"
    )
    op.execute("DROP FUNCTION vigil_audit_log_guard()")
    op.drop_column("audit_log", "detail_sha256")
