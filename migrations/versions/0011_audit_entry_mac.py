"""audit entries are signed (a nonce and a MAC), so that sealing chains only what Vigil wrote

From here on an unsealed entry without a valid signature is a forgery. The entries the previous
version left unsealed carry none, so this migration seals them first, with the audit key that
`vigil db upgrade` passes in (see `vigil.core.audit`). Downgrading drops the signatures: entries
sealed with one no longer verify under 0010's code.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from vigil.core.audit import GENESIS, entry_hash
from vigil.core.db import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRIES = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    *(sa.column(name) for name in ("actor_id", "actor", "org_id", "action", "target_type")),
    *(sa.column(name) for name in ("target_id", "ip", "detail", "nonce", "mac")),
)
SEALS = sa.table("audit_seals", sa.column("seq"), sa.column("entry_id"), sa.column("hash"))


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("nonce", sa.String(length=32), nullable=True))
    op.add_column("audit_log", sa.Column("mac", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_audit_log_nonce"), "audit_log", ["nonce"], unique=True)
    _seal_unsealed_entries()


def _seal_unsealed_entries() -> None:
    """Chain, as 0010 would have, the entries that were written but not sealed yet."""
    bind = op.get_bind()
    sealed = sa.select(SEALS.c.entry_id).where(SEALS.c.entry_id == ENTRIES.c.id).exists()
    unsealed = bind.execute(sa.select(ENTRIES).where(~sealed).order_by(ENTRIES.c.id)).all()
    if not unsealed:
        return
    key = context.config.attributes.get("audit_key")
    if not key:
        raise RuntimeError(
            f"{len(unsealed)} audit entries are not sealed yet and entries are signed from now "
            "on: upgrade with `vigil db upgrade`, which seals them with VIGIL_AUDIT_KEY"
        )
    head = bind.execute(
        sa.select(SEALS.c.seq, SEALS.c.hash).order_by(SEALS.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (head[0], head[1]) if head else (0, GENESIS)
    seals = []
    for entry in unsealed:
        seq += 1
        prev = entry_hash(key, prev, entry)
        seals.append({"seq": seq, "entry_id": entry.id, "hash": prev})
    op.bulk_insert(SEALS, seals)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_nonce"), table_name="audit_log")
    op.drop_column("audit_log", "mac")
    op.drop_column("audit_log", "nonce")
