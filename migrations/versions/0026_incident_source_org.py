"""incidents: the organisation an imported CSV row said the incident came from

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-20 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases: a batch operation would copy `incidents` on SQLite,
# which the figures' triggers on it and on incident_codes (0024) do not survive.


def upgrade() -> None:
    op.add_column(
        "incidents", sa.Column("source_org", sa.String(200), nullable=False, server_default="")
    )


def downgrade() -> None:
    op.drop_column("incidents", "source_org")
