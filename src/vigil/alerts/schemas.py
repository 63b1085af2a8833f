"""Input and output of alerts: composing (with the area and filters), previews, the board."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from vigil.alerts.cap import (
    Category,
    Certainty,
    Circle,
    Polygon,
    ResponseType,
    Severity,
    Status,
    Urgency,
    xml_text,
)
from vigil.alerts.models import Answer
from vigil.core.partial import NULL_CLEARS, PartialUpdate
from vigil.core.policy import DEFAULT_TLP, TLP
from vigil.sites.models import SiteType

# Everything composed becomes CAP XML: characters XML cannot carry are refused here, as a 422.
Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(xml_text),
]
Body = Annotated[str, StringConstraints(max_length=20000), AfterValidator(xml_text)]
Headline = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(xml_text)
]
Place = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(xml_text),
]


class AlertCreate(BaseModel):
    """A new alert: what happened, what to do, where, and who among the sites there."""

    model_config = ConfigDict(extra="forbid")

    event: Line = Field(description="What happened, e.g. 'Armed attack'.")
    categories: list[Category] = Field(
        default_factory=lambda: [Category.security], min_length=1, max_length=12
    )
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    response_types: list[ResponseType] = Field(default_factory=list, max_length=9)
    headline: Headline = ""
    description: Body = ""
    instruction: Body = Field("", description="What to do now.")
    effective: dt.datetime | None = Field(None, description="Default: when it is sent.")
    expires: dt.datetime | None = None
    area_desc: Line = Field(
        description="The area in words, e.g. 'Vienna, 3 km around Stephansplatz'."
    )
    circle: Circle | None = None
    polygons: list[Polygon] = Field(default_factory=list, max_length=20)
    countries: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]] = Field(
        default_factory=list, max_length=300, description="ISO 3166-1 alpha-2 codes."
    )
    cities: list[Place] = Field(default_factory=list, max_length=500)
    site_types: list[SiteType] = Field(default_factory=list, max_length=20)
    network_ids: list[int] = Field(default_factory=list, max_length=50)
    status: Status = Field(Status.actual, description="CAP status: Actual, Exercise, Test, ...")
    tlp: TLP = Field(DEFAULT_TLP, description="Who may read the alert; CLEAR alerts are public.")
    incident_id: int | None = Field(
        None,
        description="The incident the alert is about (one you may read): it shows on the "
        "incident's timeline and room, and in CAP `incidents`.",
    )

    @field_validator("effective", "expires")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time with its zone offset, e.g. 2026-11-23T10:00:00+01:00")
        return value.astimezone(dt.UTC).replace(microsecond=0) if value else None

    @field_validator("expires")
    @classmethod
    def _after_effective(
        cls, value: dt.datetime | None, info: ValidationInfo
    ) -> dt.datetime | None:
        effective = info.data.get("effective")
        if value is not None and effective is not None and value <= effective:
            raise ValueError("expires must be after effective")
        return value

    @field_validator("countries")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [c.upper() for c in value]


class AlertChange(PartialUpdate):
    """An Update message: the fields that change; the area and filters stay unless given."""

    urgency: Urgency | None = None
    severity: Severity | None = None
    certainty: Certainty | None = None
    response_types: list[ResponseType] | None = Field(None, max_length=9)
    headline: Headline | None = None
    description: Body | None = None
    instruction: Body | None = None
    expires: Annotated[dt.datetime | None, NULL_CLEARS] = Field(
        None, description="null: the updated alert does not expire."
    )

    @field_validator("expires")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time with its zone offset, e.g. 2026-11-23T10:00:00+01:00")
        return value.astimezone(dt.UTC).replace(microsecond=0) if value else None


class Preview(BaseModel):
    sites: int = Field(description="Sites inside the area that pass the filters (totals only).")
    people: int = Field(description="First contacts of those sites plus members who opted in.")


class AlertRead(BaseModel):
    id: int
    identifier: str
    state: str
    origin: str
    msg_type: str
    cap_status: str
    event: str
    categories: list[str]
    urgency: str
    severity: str
    certainty: str
    response_types: list[str]
    headline: str
    description: str
    instruction: str
    effective: dt.datetime
    expires: dt.datetime | None
    area_desc: str
    circle: Circle | None
    polygons: list[list[tuple[float, float]]]
    countries: list[str]
    cities: list[str]
    site_types: list[str]
    network_ids: list[int]
    replaces_id: int | None
    incident_id: int | None
    tlp: TLP
    owner_org_id: int
    created_at: dt.datetime
    sent_at: dt.datetime | None


class AlertPage(BaseModel):
    items: list[AlertRead]
    total: int
    limit: int
    offset: int


class AckCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Answer
    site_id: int | None = Field(
        None, description="The site you answer for; default: your only one."
    )


class BoardRow(BaseModel):
    site_id: int
    site_name: str
    delivered: int
    failed: int
    pending: int
    answer: Answer | None
    answered_at: dt.datetime | None
    contact_level: int


class Board(BaseModel):
    alert_id: int
    sites: int
    delivered_sites: int
    acknowledged_sites: int
    need_help_sites: int
    failed_deliveries: int
    rows: list[BoardRow] = Field(description="Sites you may read; need_help first.")
    other_sites: int = Field(description="Sites reached that you may not read (counted only).")
