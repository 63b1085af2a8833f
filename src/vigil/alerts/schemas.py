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
from vigil.alerts.cap_details import FeedSource
from vigil.alerts.models import Answer
from vigil.core.partial import NULL_CLEARS, PartialUpdate
from vigil.core.policy import DEFAULT_TLP, TLP
from vigil.sites.kinds import SiteType

# Draft is a state of an unsent alert, not something to send; System messages are Vigil's own.
COMPOSED_STATUSES = (Status.actual, Status.exercise, Status.test)

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
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]
# RFC 5646 as CAP's xs:language has it, e.g. "de", "de-AT", "en-US".
Language = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=35, pattern=r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"
    ),
]


def _reaches(circle: Circle | None) -> Circle | None:
    if circle is not None and circle.radius_km <= 0:
        raise ValueError("a circle of radius 0 reaches no site: give its radius in km")
    return circle


TargetCircle = Annotated[Circle | None, AfterValidator(_reaches)]


class Translation(BaseModel):
    """The alert's words in one more language: one more CAP `info` block."""

    model_config = ConfigDict(extra="forbid")

    language: Language
    event: Line | None = Field(None, description="Default: the alert's event, untranslated.")
    headline: Headline = ""
    description: Body = ""
    instruction: Body = ""


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
    circle: TargetCircle = None
    polygons: list[Polygon] = Field(default_factory=list, max_length=20)
    countries: list[Country] = Field(
        default_factory=list, max_length=300, description="ISO 3166-1 alpha-2 codes."
    )
    cities: list[Place] = Field(default_factory=list, max_length=500)
    site_types: list[SiteType] = Field(default_factory=list, max_length=20)
    network_ids: list[int] = Field(default_factory=list, max_length=50)
    status: Status = Field(
        Status.actual,
        description="CAP status: Actual, or Exercise or Test (marked as such in every channel; "
        "a Test never escalates to next contacts). An unsent alert is a draft by its state.",
    )
    tlp: TLP = Field(DEFAULT_TLP, description="Who may read the alert; CLEAR alerts are public.")
    incident_id: int | None = Field(
        None,
        description="The incident the alert is about (one you may read): it shows on the "
        "incident's timeline and room, and in CAP `incidents`.",
    )
    language: Language | None = Field(
        None, description="The language it is written in (CAP `language`); default: yours."
    )
    translations: list[Translation] = Field(
        default_factory=list,
        max_length=10,
        description="The alert in more languages: one CAP `info` block each.",
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

    @field_validator("status")
    @classmethod
    def _composed_status(cls, value: Status) -> Status:
        if value not in COMPOSED_STATUSES:
            raise ValueError("compose an Actual, Exercise or Test alert")
        return value


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


class AreaChange(BaseModel):
    """The area a coordinator draws or picks on a draft, e.g. for an imported message that
    gave its area only as codes (warning cells, NUTS, FIPS) or as a point."""

    model_config = ConfigDict(extra="forbid")

    area_desc: Line | None = Field(None, description="Default: the area as received, in words.")
    circle: TargetCircle = None
    polygons: list[Polygon] = Field(default_factory=list, max_length=20)
    countries: list[Country] = Field(default_factory=list, max_length=300)
    cities: list[Place] = Field(default_factory=list, max_length=500)

    @field_validator("countries")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [c.upper() for c in value]


class Preview(BaseModel):
    sites: int = Field(description="Sites inside the area that pass the filters (totals only).")
    people: int = Field(description="First contacts of those sites plus members who opted in.")
    webhooks: int = Field(
        0, description="Webhook calls: one per site for each endpoint of the site's organisation."
    )


class ImportedRead(BaseModel):
    """Where an imported alert came from, as its CAP message said."""

    source_reference: str | None = Field(description="The message's 'sender,identifier,sent'.")
    cap_version: str | None
    sender_name: str | None
    unknown_references: list[str] = Field(description="References to alerts Vigil does not know.")
    signature: str | None = Field(
        description="For a signed message (its XML signatures are kept as sent): 'verified' "
        "when one verifies with a certificate configured in VIGIL_CAP_CERTIFICATES, else "
        "'unverified'."
    )
    signed_by: str | None = Field(description="The subject of that certificate.")
    feed: FeedSource | None = Field(None, description="The subscribed CAP feed it came from.")


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
    language: str = Field(description="CAP `language` of its first info block.")
    languages: list[str] = Field(description="Every language it carries (one info block each).")
    references: list[str] = Field(description="CAP `references`: 'sender,identifier,sent'.")
    needs_area: bool = Field(
        description="A draft whose area is only codes or a point: draw or pick one to send it."
    )
    expires_all: dt.datetime | None = Field(
        description="When its last info block expires; sending it after that needs a confirmation."
    )
    imported: ImportedRead | None = None


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


class SendResult(BaseModel):
    alert: AlertRead
    deliveries: int


class AckRead(BaseModel):
    id: int
    alert_id: int
    site_id: int | None
    answer: str
    via: str


class Retarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_types: list[SiteType] = Field(default_factory=list, max_length=20)
    network_ids: list[int] = Field(default_factory=list, max_length=50)
    area: AreaChange | None = Field(
        None, description="Draw or pick the area (needed when the message gave only codes)."
    )


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000)


class WebhookRead(BaseModel):
    id: int
    url: str
    active: bool
    secret: str | None = Field(None, description="The signing secret, shown once on creation.")


class SubscriptionPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_id: int
    subscribed: bool
