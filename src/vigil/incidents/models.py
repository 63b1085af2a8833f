"""Reports (accounts, kept as submitted, edits are new versions), incidents (the events) and the
evidence files attached to reports.

An incident's history is its audit-log entries (target_type "incidents"), which are already
append-only and hash-chained; a second history table would only be a weaker copy.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.core.db import Base, only_on, utcnow
from vigil.core.policy import Shareable, recipients_table


class Incident(Shareable, Base):
    __tablename__ = "incidents"
    __recipients__ = recipients_table("incidents")
    __table_args__ = (
        Index("ix_incidents_place", "country", "city"),
        # Incidents near a site (assessments' threat): a bounding box on the point.
        Index("ix_incidents_lat_lon", "lat", "lon"),
        # The list's words (`search_text()`) on PostgreSQL: a trigram index answers
        # LIKE '%word%' (pg_trgm, created by migration 0008). SQLite reads the table.
        only_on(
            "postgresql",
            Index(
                "ix_incidents_search",
                # search_text() as PostgreSQL writes it back, which the migration test compares
                literal_column("lower((title || ' ') || narrative)").label("search_text"),
                postgresql_using="gin",
                postgresql_ops={"search_text": "gin_trgm_ops"},
            ),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    narrative: Mapped[str] = mapped_column(Text, default="")
    occurred_from: Mapped[dt.datetime]
    occurred_to: Mapped[dt.datetime | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    address: Mapped[str] = mapped_column(String(500), default="")
    city: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    precision: Mapped[str] = mapped_column(String(16), default="city")
    type: Mapped[str] = mapped_column(String(32), index=True)
    target_kind: Mapped[str | None] = mapped_column(String(16))
    injuries: Mapped[int] = mapped_column(default=0)
    damage: Mapped[str] = mapped_column(Text, default="")
    police_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    police_reference: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(16))
    # The organisation a CSV row said the incident came from, when not the importer (its
    # provenance, incidents.provenance); the importing organisation owns the record.
    source_org: Mapped[str] = mapped_column(String(200), default="", server_default="")
    severity: Mapped[str] = mapped_column(String(16), default="unknown")
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    # A received incident this one was adopted from (incidents.adoption): the original stays.
    derived_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    # The site the incident happened at, if any (DECISIONS 8).
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), index=True
    )
    status_before_merge: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Moves on every change of the row (STIX `modified`; sharing's store refreshes from it).
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    codes: Mapped[list[IncidentCode]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentCode.code", lazy="selectin"
    )

    def codes_of(self, scheme: str) -> list[str]:
        return [c.code for c in self.codes if c.scheme == scheme]


def search_text() -> ColumnElement[str]:
    """What the list's words are looked for in: title and narrative, lower-cased, as one text.

    One expression, so that PostgreSQL answers `LIKE '%word%'` from one trigram index.
    """
    # A literal space, not a bound parameter, so that the query's expression is the index's.
    return func.lower(Incident.title.concat(literal_column("' '")).concat(Incident.narrative))


# The list's order (newest first, ties by id) and every time window. On PostgreSQL it carries
# the columns of the access rule and of the usual filters, so that counts and per-month figures
# are index-only scans (docs/performance.md).
Index(
    "ix_incidents_newest",
    Incident.occurred_from.desc(),
    Incident.id.desc(),
    postgresql_include=["owner_org_id", "tlp", "status", "author_id", "type", "source", "country"],
)
# PostgreSQL only, like the search index: SQLite's tables are small enough to read, and its
# reflection skips expression indexes, so a later batch migration of `incidents` there would
# silently drop them.
# New incidents, waiting for someone to look at them: the same, for a few per cent of the rows.
only_on(
    "postgresql",
    Index(
        "ix_incidents_new",
        Incident.occurred_from.desc(),
        Incident.id.desc(),
        postgresql_include=["owner_org_id", "tlp", "author_id", "type", "source", "country"],
        postgresql_where=Incident.status == "new",
    ),
)
# The city filter compares lower-cased names.
only_on("postgresql", Index("ix_incidents_city", func.lower(Incident.city)))


class IncidentCode(Base):
    """Bias motivations and IHRA indicators, one row per code, so filters use an index."""

    __tablename__ = "incident_codes"
    __table_args__ = (Index("ix_incident_codes_lookup", "scheme", "code"),)

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    scheme: Mapped[str] = mapped_column(String(8), primary_key=True)
    code: Mapped[str] = mapped_column(String(48), primary_key=True)


class Report(Shareable, Base):
    __tablename__ = "reports"
    __recipients__ = recipients_table("reports")

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    reject_reason: Mapped[str] = mapped_column(String(1000), default="")
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    contact_encrypted: Mapped[str | None] = mapped_column(Text)
    # A public report sent again with the same idempotency key (the offline form retrying after
    # a lost answer) gets the same receipt back: the key's hash and the receipt, encrypted.
    submission_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    receipt_encrypted: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class ReportVersion(Base):
    """What a report said, exactly as submitted; append-only (DECISIONS 14)."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    version: Mapped[int]
    data: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Evidence(Base):
    """A file attached to a report. Readable by whoever may read the report."""

    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("report_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    # As the uploader named it, made harmless; for display only, never a path.
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The copy without metadata that people outside the owner organisation get (images only).
    redacted_sha256: Mapped[str | None] = mapped_column(String(64))
    redacted_size: Mapped[int | None] = mapped_column(BigInteger)


class ReceivedDecision(Base):
    """An organisation's decision on a received incident in triage (incidents.received_triage):
    the same event as one of its own (`local_incident_id`) or not the same. The received record
    itself is never changed (DECISIONS 30); each organisation decides for itself, once."""

    __tablename__ = "received_decisions"
    __table_args__ = (UniqueConstraint("incident_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(16))  # "same_event" or "not_same"
    local_incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
