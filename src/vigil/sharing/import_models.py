"""STIX bundles imported into an organisation, and what became of each of their objects.

An import keeps one row per object of the bundle: the record it became or updated (the
provenance of that record: which import, which STIX id and version), or the object itself as
raw STIX when Vigil does not map it, so that nothing a partner sent is dropped silently.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow

# `stix_imports.peer_id` refers to `peers`: its table must be known wherever imports are used
# (the command line loads no other model module).
from vigil.sharing import peer_models  # noqa: F401


class StixImport(Base):
    """One bundle imported by a person (or the command line) into their organisation."""

    __tablename__ = "stix_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # Set when a peer's pull brought the objects: the peer, and its name when it was pulled
    # (kept after the peer is removed: the records keep their provenance).
    peer_id: Mapped[int | None] = mapped_column(
        ForeignKey("peers.id", ondelete="SET NULL"), index=True
    )
    peer_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    bundle_id: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    object_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StixImportObject(Base):
    """One object of an imported bundle: its outcome, and the record or the raw STIX it left."""

    __tablename__ = "stix_import_objects"
    __table_args__ = (Index("ix_stix_import_objects_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("stix_imports.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]  # the object's index in the bundle's `objects`
    stix_id: Mapped[str] = mapped_column(String(250), index=True)
    stix_type: Mapped[str] = mapped_column(String(250))
    # `modified` (or `created`) of the object: which version of it this was; None for SCOs.
    version: Mapped[dt.datetime | None]
    outcome: Mapped[str] = mapped_column(String(16))  # schemas.Outcome
    tlp: Mapped[str | None] = mapped_column(String(16))
    sender_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    record_type: Mapped[str | None] = mapped_column(String(32))  # "incidents"
    record_id: Mapped[int | None]
    raw: Mapped[str | None] = mapped_column(Text)  # the object as received, when kept raw
