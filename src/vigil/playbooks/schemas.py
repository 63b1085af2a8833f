"""Input and output of the response: activations, tasks, the timeline, roll-calls, reviews."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vigil.core.partial import PartialUpdate
from vigil.playbooks.templates import Stage, TaskRole

Text1000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]
CostClass = Literal["low", "medium", "high"]
Horizon = Literal["now", "3_months", "year"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class TaskStatus(enum.StrEnum):
    todo = "todo"
    doing = "doing"
    done = "done"
    blocked = "blocked"


class Answer(enum.StrEnum):
    safe = "safe"
    need_help = "need_help"
    not_on_site = "not_on_site"


class Via(enum.StrEnum):
    page = "page"
    api = "api"
    link = "link"
    phone = "phone"


class ActivationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_code: Annotated[str, StringConstraints(max_length=64)] = Field(
        description="Code of a shipped template or of one your organisation published."
    )
    org_version: int | None = Field(
        None, ge=1, le=1_000_000, description="Your organisation's version; latest if left out."
    )


class TaskChange(PartialUpdate):
    """A change made on the version of the task the person saw; a stale version is a 409."""

    version: int = Field(ge=1, le=2_000_000_000)
    status: TaskStatus | None = None
    assignee_id: int | None = Field(None, ge=1, le=2_000_000_000)
    unassign: bool = Field(False, description="true: nobody is assigned any more.")


class LogEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text1000
    at: dt.datetime | None = Field(None, description="When it happened; now if left out.")
    corrects_id: int | None = Field(
        None, ge=1, le=2_000_000_000, description="The entry this one corrects."
    )


class CriterionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    met: bool


class RollCallStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_id: int | None = Field(None, ge=1, le=2_000_000_000)


class RollCallAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Answer
    entry_id: int | None = Field(
        None, ge=1, le=2_000_000_000, description="Whose answer (coordinators); yours if left out."
    )
    name: Name | None = Field(None, description="A person not on the list, answering by phone.")


class TaskRead(BaseModel):
    id: int
    stage: Stage
    position: int
    code: str
    role: TaskRole
    title: str
    guidance: str
    checklist: list[str]
    due_at: dt.datetime
    status: TaskStatus
    assignee_id: int | None
    assignee_name: str
    version: int
    completed_at: dt.datetime | None
    completed_by_name: str
    overdue: bool
    late: bool = Field(description="Done after its due time, or not done and past it.")


class CriterionRead(BaseModel):
    code: str
    text: str
    met_at: dt.datetime | None


class ActivationRead(BaseModel):
    id: int
    incident_id: int
    template_code: str
    template_version: int
    template_org_id: int | None
    title: str
    activated_at: dt.datetime
    activated_by_name: str
    returned_to_routine_at: dt.datetime | None
    time_to_routine_seconds: int | None
    tasks: list[TaskRead]
    reopening_criteria: list[CriterionRead]
    marker: int = Field(description="Grows with every change to the room; poll with it.")


class TimelineItem(BaseModel):
    id: str = Field(description="'entry-12', 'report-3', 'alert-7' or 'history-40'.")
    at: dt.datetime
    kind: str
    author: str
    source: str
    text: str
    corrects: str | None = None
    corrected_by: list[str] = Field(default_factory=list)


class RollCallEntryRead(BaseModel):
    id: int
    name: str
    person_id: int | None
    contact_priority: int | None = Field(description="The site contact's priority.")
    answer: Answer | None
    via: Via | None
    answered_at: dt.datetime | None


class RollCallRead(BaseModel):
    id: int
    incident_id: int
    site_id: int | None
    started_at: dt.datetime
    entries: list[RollCallEntryRead] = Field(description="Unanswered first, then by name.")


class TemplateSummary(BaseModel):
    code: str
    title: str = Field(description="The title in English.")
    titles: dict[str, str] = Field(
        default_factory=dict, description="The title in each language it is written in."
    )
    version: int
    org_id: int | None = Field(description="None for a template shipped with Vigil.")
    score: int = 0
    reasons: list[str] = Field(default_factory=list)


class ReviewAction(BaseModel):
    """An action of the review. It feeds a measure of the incident's site (DECISIONS 9): an
    existing one (`measure_id`), or, when left out, a new measure made from the action's text
    with the given cost, effort and horizon. An incident without a site has no measures."""

    model_config = ConfigDict(extra="forbid")

    text: Text1000
    owner: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    due_on: dt.date | None = None
    measure_id: int | None = Field(
        None, ge=1, le=2_000_000_000, description="A measure of the site this action feeds."
    )
    cost: CostClass = "medium"
    effort: CostClass = "medium"
    horizon: Horizon = "3_months"


class ReviewWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what_happened: LongText = ""
    what_worked: LongText = ""
    what_did_not: LongText = ""
    actions: list[ReviewAction] = Field(default_factory=list, max_length=50)


class ReviewActionRead(BaseModel):
    text: str
    owner: str
    due_on: dt.date | None
    measure_id: int | None = Field(description="The site measure it feeds or became.")
    measure_text: str = ""
    measure_status: str = ""


class ReviewRead(BaseModel):
    what_happened: str = ""
    what_worked: str = ""
    what_did_not: str = ""
    actions: list[ReviewActionRead] = Field(default_factory=list)
    site_id: int | None = None
    updated_at: dt.datetime | None = None
