"""The figures (incident counts kept up to date for statistics, network totals, the annual
report and the ODIHR export) and the annual reports built from them.

Counts are kept in two tables of cells, refreshed from the incidents by a periodic task
(reports.figures): a change to an incident or its codes leaves a mark (a database trigger, so
bulk imports and deletions are seen too), and the task recomputes the months the marks touch.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow

# `scheme` of a cell: "" counts incidents (each once); "bias" and "ihra" count an incident once
# under each of its codes, "unspecified" when it has none (DOMAIN.md counting rule 4).
TOTAL = ""
UNSPECIFIED = "unspecified"


class FigureCell(Base):
    """How many counted incidents of one organisation share these values, in one month of their
    own time zone (counting rule 3). Empty strings stand for a missing value."""

    __tablename__ = "figure_cells"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-03"
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    type: Mapped[str] = mapped_column(String(32), primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    region: Mapped[str] = mapped_column(String(200), primary_key=True)
    city: Mapped[str] = mapped_column(String(200), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(8), primary_key=True)
    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    incidents: Mapped[int]


class FigureMonth(Base):
    """The same counts by month, status and code only: what month series read (a few hundred
    rows an organisation, where the cells are up to one per incident)."""

    __tablename__ = "figure_months"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(8), primary_key=True)
    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    incidents: Mapped[int]


class FigureMark(Base):
    """An incident changed: its organisation and the moment it happened (UTC), before and after
    the change. Written by triggers on `incidents` and `incident_codes` (migration 0024), read
    and deleted by the refresh."""

    __tablename__ = "figure_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int]
    occurred_from: Mapped[dt.datetime]


class FigureState(Base):
    """One row: when the figures were last brought up to date (shown on every page)."""

    __tablename__ = "figure_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_at: Mapped[dt.datetime | None]
    rebuilt_at: Mapped[dt.datetime | None]


class AnnualReport(Base):
    """An organisation's report for a period. A draft is the organisation's; publishing freezes
    its figures (`published_figures`, JSON) and makes it a TLP:CLEAR page at a stable URL
    (/published/{org slug}/{slug})."""

    __tablename__ = "annual_reports"
    __table_args__ = (UniqueConstraint("owner_org_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]  # exclusive
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    # Incident ids the coordinator picked as notable, in order (JSON list).
    notable_incident_ids: Mapped[str] = mapped_column(Text, default="[]")
    version: Mapped[int] = mapped_column(default=0)  # latest AnnualReportVersion.version
    published_figures: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AnnualReportVersion(Base):
    """The narrative sections as saved, one row per save; append-only (DECISIONS 14)."""

    __tablename__ = "annual_report_versions"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("annual_reports.id"), index=True)
    version: Mapped[int]
    sections: Mapped[str] = mapped_column(Text)  # JSON {section key: text}
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# Counts under a code (or the total's "") read one code's rows, most often narrowed to a type:
# on PostgreSQL an index-only scan (docs/performance.md, "Analytics").
Index(
    "ix_figure_cells_code",
    FigureCell.org_id,
    FigureCell.scheme,
    FigureCell.code,
    FigureCell.type,
    FigureCell.month,
    postgresql_include=["status", "incidents"],
)
