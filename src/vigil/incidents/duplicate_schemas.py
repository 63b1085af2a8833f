"""What the API says of a possible duplicate: the incident, its score and the reasons a person
can check (kept apart from the other incident schemas, which stay one short file)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class Reason(BaseModel):
    """One reason, as a message to translate (`message`, with `values`) and in English (`text`)."""

    signal: str = Field(
        description="time, place, site, names, numbers, wording, languages, type or target."
    )
    message: str
    values: dict[str, str | int | float] = Field(default_factory=dict)
    text: str


class Candidate(BaseModel):
    """An incident that may be the same event, with the reasons a person can check."""

    incident_id: int
    title: str
    occurred_from: dt.datetime
    city: str
    type: str
    score: float = Field(ge=0, le=1, description="0..1; suggested from SUGGEST_THRESHOLD up.")
    suggested: bool
    reasons: list[str] = Field(description="E.g. '3 h apart', '150 m apart', 'same type: damage'.")
    hours_apart: float
    km_apart: float | None = Field(None, description="Only when both places are points.")
    text_similarity: float = Field(
        ge=0, le=1, description="Of the wording; 0 when the two are in different languages."
    )
    same_type: bool
    place_precision: str = Field(
        "city", description="exact (both places are points) or city: each has its threshold."
    )
    carried_by: list[str] = Field(
        default_factory=list, description="The signals that carried the score, strongest first."
    )
    reason_details: list[Reason] = Field(default_factory=list)
