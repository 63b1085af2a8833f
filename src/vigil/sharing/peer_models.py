"""Peers: other TAXII 2.1 servers (another Vigil, an OpenCTI, any TAXII server) this instance
pulls from and pushes to, for the organisations and networks the link speaks for.

A peer row carries its own cursors and health, so that a pull saves its cursor in the same
transaction as the objects it wrote (a killed worker resumes where the last commit left it),
and the sharing page reads last success, last error and lag from one row.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow


class Direction(enum.StrEnum):
    pull = "pull"
    push = "push"
    both = "both"

    @property
    def pulls(self) -> bool:
        return self in (Direction.pull, Direction.both)

    @property
    def pushes(self) -> bool:
        return self in (Direction.push, Direction.both)


class WhenRemoved(enum.StrEnum):
    """What becomes of the records a peer brought when its link is removed or narrowed."""

    keep = "keep"  # they stay, with their provenance
    withdraw = "withdraw"  # their recipients through this link are taken away


# The organisations a link speaks for: AMBER it brings reaches them and their children,
# AMBER+STRICT only them; what it pushes is theirs.
peer_organisations = Table(
    "peer_organisations",
    Base.metadata,
    Column("peer_id", ForeignKey("peers.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)

# The networks a link is attached to: GREEN it brings reaches their members.
peer_networks = Table(
    "peer_networks",
    Base.metadata,
    Column("peer_id", ForeignKey("peers.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
)


class Peer(Base):
    __tablename__ = "peers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The API root URL, e.g. https://vigil.example.org/taxii2/vigil/
    api_root: Mapped[str] = mapped_column(String(500))
    collection_id: Mapped[str] = mapped_column(String(100))
    username: Mapped[str] = mapped_column(String(200), default="")
    # Password or API token, encrypted at rest (`vigil keys rotate` re-encrypts it).
    secret_encrypted: Mapped[str | None] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(String(8), default=Direction.pull.value)
    # The strictest TLP this link may push (AMBER: CLEAR, GREEN and AMBER); RED never leaves.
    max_push_tlp: Mapped[str] = mapped_column(String(16), default="green")
    # Whose sharing profile shapes what is pushed (one of the link's organisations).
    profile_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    every_seconds: Mapped[int] = mapped_column(default=300)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Pull cursor: the server's X-TAXII-Date-Added-Last of the last page committed, and the
    # `next` token of a paged pull under way.
    pull_added_after: Mapped[str] = mapped_column(String(40), default="")
    pull_next: Mapped[str] = mapped_column(String(500), default="")
    # Push cursor: the (date_added, id) of the last `stix_objects` row sent.
    push_after: Mapped[dt.datetime | None]
    push_after_id: Mapped[int] = mapped_column(default=0)
    next_pull_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[dt.datetime | None]
    failures: Mapped[int] = mapped_column(default=0)  # in a row, for the backoff
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class PeerTraffic(Base):
    """Objects in and out per peer and day (the chart on the sharing page)."""

    __tablename__ = "peer_traffic"
    __table_args__ = (UniqueConstraint("peer_id", "day", "direction", name="uq_peer_traffic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peers.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(4))  # "in" or "out"
    objects: Mapped[int] = mapped_column(Integer, default=0)


class PeerPush(Base):
    """One POST of objects to a peer, and its status resource followed until it completes."""

    __tablename__ = "peer_pushes"
    __table_args__ = (Index("ix_peer_pushes_peer_state", "peer_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peers.id", ondelete="CASCADE"))
    status_id: Mapped[str] = mapped_column(String(100), default="")  # the peer's status id
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending/complete/failed
    total_count: Mapped[int] = mapped_column(default=0)
    success_count: Mapped[int] = mapped_column(default=0)
    failure_count: Mapped[int] = mapped_column(default=0)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[dt.datetime | None]
