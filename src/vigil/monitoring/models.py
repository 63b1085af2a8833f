"""Open-source monitoring: an organisation's sources, the articles read from them, the stories
those articles cluster into, and the signals a story raises when it touches what the
organisation watches.

Articles are public, but which sources an organisation reads, what it watches and what it
decided about a signal are its own: sources, watches and signals are shareable records (AMBER by
default, DECISIONS 33); articles and stories are reached through their source's organisation.
Article text is kept for a retention period (copyright); metadata and stories stay longer.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.db import Base, utcnow
from vigil.core.policy import Shareable, recipients_table


class SourceKind(enum.StrEnum):
    feed = "feed"  # RSS or Atom
    listing = "listing"  # a web page that lists articles (links followed one level)
    url = "url"  # one article added by hand
    upload = "upload"  # HTML or EML files uploaded (sources that cannot be fetched)


class SourceHealth(enum.StrEnum):
    new = "new"  # never fetched yet
    ok = "ok"
    failing = "failing"  # the last fetch failed; `last_error` says why
    disabled = "disabled"


class Source(Shareable, Base):
    """Where an organisation reads from; the worker polls the fetchable kinds on their schedule,
    conditionally (ETag, Last-Modified), and keeps the source's health for the page."""

    __tablename__ = "monitoring_sources"
    __recipients__ = recipients_table("monitoring_sources")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default=SourceKind.feed.value)
    url: Mapped[str] = mapped_column(String(2000), default="")
    language: Mapped[str] = mapped_column(String(8), default="")  # a hint; "" lets the text say
    every_seconds: Mapped[int] = mapped_column(default=900)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # conditional GET and health
    etag: Mapped[str] = mapped_column(String(500), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    health: Mapped[str] = mapped_column(String(16), default=SourceHealth.new.value)
    next_poll_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    last_poll_at: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[dt.datetime | None]
    failures: Mapped[int] = mapped_column(default=0)  # in a row, for the backoff
    article_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Story(Base):
    """Near-duplicate articles of one organisation's sources (the same story syndicated, lightly
    edited, re-published with other boilerplate), and articles in other languages linked to
    them by shared places, organisations, dates and numbers."""

    __tablename__ = "monitoring_stories"
    __table_args__ = (Index("ix_monitoring_stories_org_last_seen", "org_id", "last_seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500), default="")
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    article_count: Mapped[int] = mapped_column(default=0)
    languages: Mapped[str] = mapped_column(String(200), default="")  # "de,en,pl"
    # the highest relevance of its articles, and that article's explanation (JSON)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    incident_type: Mapped[str] = mapped_column(String(64), default="")
    reasons: Mapped[str] = mapped_column(Text, default="[]")


class Article(Base):
    """One article read from a source. `text` is emptied when the retention period ends
    (`text_purged_at` set); the rest stays with its story."""

    __tablename__ = "monitoring_articles"
    __table_args__ = (
        UniqueConstraint("source_id", "url_key"),
        Index("ix_monitoring_articles_org_fetched", "org_id", "fetched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_sources.id", ondelete="CASCADE"), index=True
    )
    # the source's organisation, kept here so that every read scopes by one column
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000), default="")
    # the URL without fragment and tracking parameters, or a content hash for an upload
    url_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(300), default="")
    published_at: Mapped[dt.datetime | None]
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    text_purged_at: Mapped[dt.datetime | None]
    language: Mapped[str] = mapped_column(String(8), default="")  # "" until analysed or unknown
    language_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    # analysis: set by the `monitoring.analyse_articles` job
    analysed_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # the signature, to rebuild LSH
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_stories.id", ondelete="SET NULL"), index=True
    )
    entities: Mapped[str] = mapped_column(Text, default="[]")  # JSON: places, orgs, sites found
    score: Mapped[float] = mapped_column(Float, default=0.0)
    incident_type: Mapped[str] = mapped_column(String(64), default="")
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON: which terms, where


class WatchKind(enum.StrEnum):
    term = "term"  # a word or phrase (lemmatised when matched)
    place = "place"  # a point and radius: stories naming a place inside it
    site = "site"  # a site of the organisation, by its name and aliases


class Watch(Shareable, Base):
    """What an organisation watches besides its own sites (which are watched by default)."""

    __tablename__ = "monitoring_watches"
    __recipients__ = recipients_table("monitoring_watches")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=WatchKind.term.value)
    value: Mapped[str] = mapped_column(String(300))  # the term, the place's name, site aliases
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    radius_km: Mapped[float] = mapped_column(Float, default=2.0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SignalStatus(enum.StrEnum):
    new = "new"
    relevant = "relevant"
    dismissed = "dismissed"
    incident = "incident"  # an incident was made from it
    alert = "alert"  # an alert was composed about it


class Signal(Shareable, Base):
    """A story that touched what the organisation watches, above its threshold: one per
    (organisation, story), raised again (score, reasons) as the story grows."""

    __tablename__ = "monitoring_signals"
    __recipients__ = recipients_table("monitoring_signals")
    __table_args__ = (
        UniqueConstraint("owner_org_id", "story_id"),
        Index("ix_monitoring_signals_org_status", "owner_org_id", "status", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("monitoring_stories.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=SignalStatus.new.value)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    incident_type: Mapped[str] = mapped_column(String(64), default="")
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON: watches hit, terms, where
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    notified_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Verdict(enum.StrEnum):
    relevant = "relevant"
    not_relevant = "not_relevant"
    wrong_type = "wrong_type"


class Feedback(Base):
    """A coordinator's verdict on an article's relevance or type: the per-organisation
    classifier learns from these."""

    __tablename__ = "monitoring_feedback"
    __table_args__ = (UniqueConstraint("org_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_articles.id", ondelete="CASCADE")
    )
    verdict: Mapped[str] = mapped_column(String(16))
    incident_type: Mapped[str] = mapped_column(String(64), default="")  # the right one
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Classifier(Base):
    """An organisation's relevance classifier, trained in the worker from its feedback: the
    model as JSON (vocabulary hashing parameters and coefficients, never a pickle) and what it
    changed when last evaluated."""

    __tablename__ = "monitoring_classifiers"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(Text, default="{}")
    samples: Mapped[int] = mapped_column(default=0)
    effect: Mapped[str] = mapped_column(Text, default="{}")  # JSON: held-out figures before/after
    trained_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
