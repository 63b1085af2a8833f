"""Input and output of the assessments API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from vigil.assessments.models import MeasureStatus
from vigil.core.partial import PartialUpdate
from vigil.sites.schemas import DutyTierRead

MAX_ANSWERS_PER_SAVE = 500


class MethodologyVersionRead(BaseModel):
    id: int
    code: str
    version: int
    title: str
    owner_org_id: int | None
    based_on_id: int | None
    status: str
    applies_to: list[str]
    sections: int
    questions: int
    created_at: dt.datetime


class MethodologyPublish(BaseModel):
    yaml: str = Field(min_length=1, max_length=2 * 1024 * 1024, description="methodology YAML")
    based_on_id: int | None = None


class AssessmentStart(BaseModel):
    methodology_version_id: int


class AnswersSave(PartialUpdate):
    """Answers (and notes) to save; questions left out keep theirs."""

    answers: dict[str, str | int | float] = Field(max_length=MAX_ANSWERS_PER_SAVE)
    notes: dict[str, str] = Field(default_factory=dict, max_length=MAX_ANSWERS_PER_SAVE)


class AnswerRead(BaseModel):
    question_id: str
    value: str
    note: str
    answered_by: int | None
    answered_at: dt.datetime


class AssessmentRead(BaseModel):
    id: int
    site_id: int | None = Field(description="The site assessed; null when you may not read it.")
    methodology_version_id: int
    methodology_code: str
    methodology_version: int
    status: str
    tlp: str
    owner_org_id: int
    answered: int
    questions: int
    answers: list[AnswerRead]
    created_at: dt.datetime
    completed_at: dt.datetime | None
    completed_by: int | None
    approved_at: dt.datetime | None
    approved_by: int | None
    # Scores with explanations (formula and inputs of every number), once completed.
    result: dict[str, Any] | None


class AnswerChange(BaseModel):
    question_id: str
    section: str
    text: str
    before: str | None
    after: str | None
    change: str  # better | worse | same | new | gone


class SectionChange(BaseModel):
    section: str
    title: str
    before: float | None
    after: float | None


class AssessmentComparison(BaseModel):
    before_id: int
    after_id: int
    vulnerability_before: float | None
    vulnerability_after: float | None
    risk_before: int | None
    risk_after: int | None
    sections: list[SectionChange]
    improved: list[AnswerChange]
    worse: list[AnswerChange]


class PortfolioSite(BaseModel):
    site_id: int
    name: str
    type: str
    city: str
    country: str
    lat: float
    lon: float
    owner_org_id: int
    assessment_id: int | None
    risk: int | None
    band: str | None
    likelihood: int | None
    impact: int | None
    vulnerability: float | None
    nearby_incidents: int | None
    duty_tier: DutyTierRead
    lacking_duties: list[str] = Field(
        description="Duties the site's tier carries that its latest assessment does not show."
    )


class Weakness(BaseModel):
    methodology: str  # its code: question ids repeat across methodologies
    question_id: str
    text: str
    section: str
    sites: int  # sites whose latest assessment answered it no or partly


class Portfolio(BaseModel):
    sites: list[PortfolioSite]
    weaknesses: list[Weakness]
    total: int


CostClass = Literal["low", "medium", "high"]


class MeasureCreate(BaseModel):
    text: str = Field(min_length=3, max_length=2000)
    cost: CostClass = "medium"
    effort: CostClass = "medium"
    horizon: Literal["now", "3_months", "year"] = "3_months"


class MeasureStatusUpdate(PartialUpdate):
    status: MeasureStatus


class MeasureRead(BaseModel):
    id: int
    site_id: int
    assessment_id: int | None
    measure_code: str | None
    text: str
    cost: str
    effort: str
    horizon: str
    priority: float
    source: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    # Its cost class as money, by the cost bands of the site's organisation (issue 21).
    money_min: int | None = None
    money_max: int | None = None
    currency: str | None = None


class QuestionMark(BaseModel):
    question_id: str
    mark: Literal["new", "changed", "carried"] = Field(
        description="new: not in the earlier version (or another kind or scale); changed: "
        "reworded, its earlier answer carried but to be checked; carried: unchanged, its "
        "earlier answer carried forward"
    )
    needs_you: bool = Field(description="a new question unanswered, a changed one unchecked")


class AssessmentChanges(BaseModel):
    """An assessment's questions compared with the site's assessment before it."""

    assessment_id: int
    previous_id: int | None = Field(description="the assessment before it, when you may read it")
    previous_version: int | None
    new: int
    changed: int
    carried: int
    removed: int
    needs_you: int
    questions: list[QuestionMark]
