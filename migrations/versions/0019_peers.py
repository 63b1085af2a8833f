"""sharing: peers (TAXII servers pulled from and pushed to), their organisations and networks,
traffic per day and pushes; imports remember the peer that brought them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-13 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vigil.core.db import UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "peers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("api_root", sa.String(length=500), nullable=False),
        sa.Column("collection_id", sa.String(length=100), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("max_push_tlp", sa.String(length=16), nullable=False),
        sa.Column("profile_org_id", sa.Integer(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("pull_added_after", sa.String(length=40), nullable=False),
        sa.Column("pull_next", sa.String(length=500), nullable=False),
        sa.Column("push_after", UTCDateTime(), nullable=True),
        sa.Column("push_after_id", sa.Integer(), nullable=False),
        sa.Column("next_pull_at", UTCDateTime(), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_error_at", UTCDateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["profile_org_id"],
            ["organisations.id"],
            name=op.f("fk_peers_profile_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["people.id"],
            name=op.f("fk_peers_created_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peers")),
        sa.UniqueConstraint("name", name=op.f("uq_peers_name")),
    )
    op.create_table(
        "peer_organisations",
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["peers.id"],
            name=op.f("fk_peer_organisations_peer_id_peers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_peer_organisations_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("peer_id", "org_id", name=op.f("pk_peer_organisations")),
    )
    op.create_table(
        "peer_networks",
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["peers.id"],
            name=op.f("fk_peer_networks_peer_id_peers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_peer_networks_network_id_networks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("peer_id", "network_id", name=op.f("pk_peer_networks")),
    )
    op.create_table(
        "peer_traffic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("objects", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["peers.id"],
            name=op.f("fk_peer_traffic_peer_id_peers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_traffic")),
        sa.UniqueConstraint("peer_id", "day", "direction", name="uq_peer_traffic"),
    )
    op.create_table(
        "peer_pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["peers.id"], name=op.f("fk_peer_pushes_peer_id_peers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_pushes")),
    )
    op.create_index("ix_peer_pushes_peer_state", "peer_pushes", ["peer_id", "state"])
    with op.batch_alter_table("stix_imports") as batch:
        batch.add_column(sa.Column("peer_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("peer_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch.create_foreign_key(
            op.f("fk_stix_imports_peer_id_peers"), "peers", ["peer_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index(op.f("ix_stix_imports_peer_id"), ["peer_id"])


def downgrade() -> None:
    with op.batch_alter_table("stix_imports") as batch:
        batch.drop_index(op.f("ix_stix_imports_peer_id"))
        batch.drop_constraint(op.f("fk_stix_imports_peer_id_peers"), type_="foreignkey")
        batch.drop_column("peer_name")
        batch.drop_column("peer_id")
    op.drop_index("ix_peer_pushes_peer_state", table_name="peer_pushes")
    op.drop_table("peer_pushes")
    op.drop_table("peer_traffic")
    op.drop_table("peer_networks")
    op.drop_table("peer_organisations")
    op.drop_table("peers")
