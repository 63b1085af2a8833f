"""What each organisation lets leave the instance with its records (its sharing profile), and
the STIX objects that leave over TAXII."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.policy import Shareable, recipients_table


class SharingProfile(Base):
    """One row per organisation that changed the defaults; without a row the defaults apply
    (no narrative, no reports, places at city level, every typology field)."""

    __tablename__ = "sharing_profiles"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    share_narrative: Mapped[bool] = mapped_column(Boolean, default=False)
    share_reports: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    place_precision: Mapped[str] = mapped_column(String(16), default="city")
    typology_fields: Mapped[str] = mapped_column(Text)  # JSON list of schemas.TypologyField
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# The record kind of the objects clients POSTed (`taxii_writes`): they live only in the store.
POSTED = "posted"


class StixObject(Shareable, Base):
    """One STIX object as it leaves the instance over TAXII, with what the access rule needs
    (owner, TLP, recipients: `core.policy.visible_clause` reads it like any shareable record).

    A projection, rebuilt from the records (`sharing.store`), except for objects clients
    POSTed, which live only here. A record's objects keep one row each, replaced when the
    record changes; a posted object keeps every version it was sent. RED is never stored.
    """

    __tablename__ = "stix_objects"
    __recipients__ = recipients_table("stix_objects")
    __table_args__ = (
        UniqueConstraint("stix_id", "version", name="uq_stix_objects_stix_id_version"),
        # Keyset paging of a collection (date added, then id): page 1,000 costs what page 1 does.
        Index("ix_stix_objects_added", "date_added", "id"),
        Index("ix_stix_objects_type_added", "stix_type", "date_added", "id"),
        Index("ix_stix_objects_record", "record_kind", "record_id"),
        Index("ix_stix_objects_source_updated", "record_kind", "source_updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Nullable, unlike other records: the markings and the extension belong to no organisation.
    owner_org_id: Mapped[int | None] = mapped_column(  # type: ignore[assignment]
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    stix_id: Mapped[str] = mapped_column(String(128))
    # `modified` (or `created`) as fixed-width UTC text, so text order is time order.
    version: Mapped[str] = mapped_column(String(32))
    stix_type: Mapped[str] = mapped_column(String(64))
    spec_version: Mapped[str] = mapped_column(String(8), default="2.1")
    date_added: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # What the object was made from: incident, notice, organisation, common (the markings and
    # the extension), or posted (sent by a client of `owner_org_id`; `record_id` is None).
    record_kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int | None]
    # When the record was last edited: where the next refresh of changed records starts.
    source_updated_at: Mapped[dt.datetime | None]
    body: Mapped[str] = mapped_column(Text)  # the object's JSON as served


class SharedGrouping(Shareable, Base):
    """A set of incidents an analyst shares on purpose (a STIX `grouping`): a shareable record
    of its own, read through `core.policy` like any other."""

    __tablename__ = "stix_groupings"
    __recipients__ = recipients_table("stix_groupings")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    incident_ids: Mapped[str] = mapped_column(Text)  # JSON list, in the order chosen
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class TaxiiStatus(Base):
    """The outcome of one POST of objects to a collection (TAXII's status resource)."""

    __tablename__ = "taxii_statuses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    request_timestamp: Mapped[dt.datetime] = mapped_column(default=utcnow)
    total_count: Mapped[int]
    success_count: Mapped[int]
    failure_count: Mapped[int]
    detail: Mapped[str] = mapped_column(Text)  # JSON: successes and failures
