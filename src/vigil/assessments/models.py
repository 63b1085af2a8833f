"""Tables of the assessments domain: methodology versions, assessments and their answers, the
measures a site has to take, and each site's current risk.

A methodology version is stored with its YAML text, so an assessment keeps pointing at exactly
what it was answered against, after the organisation has published a newer version.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.policy import Shareable, recipients_table


class MethodologyStatus(enum.StrEnum):
    published = "published"
    withdrawn = "withdrawn"


class AssessmentStatus(enum.StrEnum):
    draft = "draft"
    in_progress = "in_progress"
    completed = "completed"
    approved = "approved"


class MeasureStatus(enum.StrEnum):
    open = "open"
    planned = "planned"
    done = "done"


class MethodologyVersion(Base):
    """One published version of a methodology: a shipped one (no owner) or an organisation's."""

    __tablename__ = "methodology_versions"
    __table_args__ = (UniqueConstraint("owner_org_id", "code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("methodology_versions.id"))
    yaml_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=MethodologyStatus.published.value)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None]


class Assessment(Shareable, Base):
    """A site's answers to one methodology version, and the scores computed from them."""

    __tablename__ = "assessments"
    __recipients__ = recipients_table("assessments")

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    methodology_version_id: Mapped[int] = mapped_column(ForeignKey("methodology_versions.id"))
    status: Mapped[str] = mapped_column(String(16), default=AssessmentStatus.draft.value)
    # The result as shown: scores with their explanations, fixed when the assessment completes.
    result_json: Mapped[str | None] = mapped_column(Text)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    completed_at: Mapped[dt.datetime | None]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    approved_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AssessmentAnswer(Base):
    """The latest answer to one question; saved as it is given, so a closed tab loses nothing."""

    __tablename__ = "assessment_answers"
    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    answered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SiteMeasure(Base):
    """A measure a site is to take: from an assessment's weak answers or an after-action review.

    Readable with the site; the next assessment of the site starts from the open ones.
    """

    __tablename__ = "site_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL"), index=True
    )
    measure_code: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    cost: Mapped[str] = mapped_column(String(16), default="medium")
    effort: Mapped[str] = mapped_column(String(16), default="medium")
    horizon: Mapped[str] = mapped_column(String(16), default="year")
    priority: Mapped[float] = mapped_column(default=0.0)
    source: Mapped[str] = mapped_column(String(16), default="assessment")
    status: Mapped[str] = mapped_column(String(16), default=MeasureStatus.open.value)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SiteRisk(Base):
    """A site's current risk from its latest completed assessment and today's threat.

    Recomputed in one batch (threat changes as incidents arrive); the explanation holds the
    inputs of every number, as on the assessment's page.
    """

    __tablename__ = "site_risks"
    __table_args__ = (Index("ix_site_risks_risk", "risk"),)

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    vulnerability: Mapped[float]
    threat: Mapped[float]
    likelihood: Mapped[int]
    impact: Mapped[int]
    risk: Mapped[int]
    band: Mapped[str] = mapped_column(String(16))
    nearby_incidents: Mapped[int] = mapped_column(default=0)
    explanation_json: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
