"""Output of signals and input of decisions and feedback (the monitoring inbox's data)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vigil.monitoring.models import SignalStatus, Verdict


class StorySummary(BaseModel):
    id: int
    title: str
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    article_count: int
    languages: list[str]


class SignalRead(BaseModel):
    """`reasons`: {"watches": what of the watchlist the story touched (kind site / place /
    term, with the watch's id, the site, the place named and its distance, where the term was
    found), "terms": the lexicon's terms of its most relevant article (term, where, weight,
    label), "antisemitic": whether the lexicon read an antisemitic incident}."""

    id: int
    status: SignalStatus
    score: float
    high: bool
    incident_type: str
    reasons: dict[str, Any]
    site_id: int | None
    story: StorySummary
    owner_org_id: int
    tlp: str
    notified_at: dt.datetime | None
    decided_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ArticleSummary(BaseModel):
    id: int
    title: str
    url: str
    language: str
    published_at: dt.datetime | None
    fetched_at: dt.datetime
    score: float
    incident_type: str


class SignalDetail(SignalRead):
    articles: list[ArticleSummary]


class SignalPage(BaseModel):
    items: list[SignalRead]
    total: int
    limit: int
    offset: int


class SignalDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal[SignalStatus.relevant, SignalStatus.dismissed] = Field(
        description="`relevant` or `dismissed`."
    )


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    incident_type: str = Field("", max_length=64, description="The right type (wrong_type).")


class FeedbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    article_id: int
    verdict: Verdict
    incident_type: str
    created_at: dt.datetime


class ClassifierRead(BaseModel):
    """The organisation's classifier: trained from how many labelled articles, and its effect
    on held-out feedback (precision and recall of the lexicon alone and adjusted)."""

    trained: bool
    samples: int
    trained_at: dt.datetime | None
    effect: dict[str, Any]
