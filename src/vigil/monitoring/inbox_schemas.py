"""Input and output of the monitoring inbox: signals with their story, reasons and articles,
the coordinators' decisions, and what a signal became (an incident, an alert)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vigil.alerts.cap import Certainty, ResponseType, Severity, Status, Urgency
from vigil.core.policy import TLP
from vigil.incidents.typology import IncidentType
from vigil.monitoring.models import SignalStatus, Verdict

Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Body = Annotated[str, StringConstraints(max_length=20000)]


class ReasonRead(BaseModel):
    """One reason a story became a signal: what matched (`label`: `watch:site`, `watch:place`,
    `watch:term`, a lexicon label such as `type:damage` or `threat`, `reading:antisemitic`),
    the words found (`term`) and where (`where`: title, text). The page also says, for a
    watched place, the watched site or point (`name`) and how far the place named is from it
    (`distance_km`)."""

    label: str = ""
    term: str = ""
    where: str = ""
    # For the page's words only: the API's reasons keep their three keys.
    name: str = Field("", exclude=True)
    distance_km: float | None = Field(None, exclude=True)


class ArticleRead(BaseModel):
    id: int
    title: str
    url: str
    source_id: int
    source_name: str
    language: str
    published_at: dt.datetime | None
    fetched_at: dt.datetime
    verdict: Verdict | None = Field(None, description="Your organisation's feedback on it.")


class SignalRead(BaseModel):
    id: int
    status: SignalStatus
    score: float
    high: bool = Field(description="Its coordinators were e-mailed about it (a high signal).")
    incident_type: str = Field(description="The incident type the story reads as, or ''.")
    story_id: int
    title: str
    languages: list[str]
    article_count: int
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime
    site_id: int | None = Field(None, description="The watched site it is about, if readable.")
    site_name: str = ""
    reasons: list[ReasonRead]
    incident_id: int | None
    alert_id: int | None
    owner_org_id: int
    tlp: TLP
    created_at: dt.datetime
    decided_at: dt.datetime | None


class SignalDetail(SignalRead):
    articles: list[ArticleRead]


class SignalPage(BaseModel):
    items: list[SignalRead]
    total: int
    limit: int
    offset: int


class StatusFilter(enum.StrEnum):
    """What the inbox lists: `open` (new and relevant, the default of the page), `all`, or
    one status."""

    open = "open"
    all = "all"
    new = "new"
    relevant = "relevant"
    dismissed = "dismissed"
    incident = "incident"
    alert = "alert"


class Decision(enum.StrEnum):
    dismissed = "dismissed"
    relevant = "relevant"


class SignalDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Decision = Field(description="`dismissed` or `relevant`; audited.")


class ArticleFeedback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    incident_type: IncidentType | None = Field(
        None, description="With `wrong_type`: the type the article is really about."
    )


class IncidentMade(BaseModel):
    signal_id: int
    incident_id: int
    report_id: int


class SignalAlertCreate(BaseModel):
    """An alert about a signal: what is not given is filled in from the signal (event and
    headline from its story, area from its site); urgency, severity and certainty are always
    chosen (as on the compose form)."""

    model_config = ConfigDict(extra="forbid")

    urgency: Urgency
    severity: Severity
    certainty: Certainty
    response_types: list[ResponseType] = Field(default_factory=list, max_length=9)
    event: Line = ""
    headline: Line = ""
    description: Body = ""
    instruction: Body = ""
    area_desc: Line = ""
    status: Status = Status.actual
    tlp: TLP | None = Field(None, description="Default: the signal's.")
    send: bool = Field(True, description="Send it now; false keeps it as a draft.")


class AlertMade(BaseModel):
    signal_id: int
    alert_id: int
    sent: bool
    queued: int = Field(description="Deliveries queued when sent.")
