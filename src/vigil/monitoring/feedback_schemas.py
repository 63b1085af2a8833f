"""Coordinators' feedback on articles, and the classifier it trains."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vigil.monitoring.models import Verdict


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
