"""Input and output of reports and incidents; validation says which field is wrong and why."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from vigil.core.forms import ZoneName
from vigil.core.partial import NULL_CLEARS, PartialUpdate
from vigil.core.policy import DEFAULT_TLP, TLP
from vigil.incidents.duplicate_schemas import Candidate
from vigil.incidents.typology import (
    IHRA_INDICATORS,
    Bias,
    IncidentType,
    Precision,
    Severity,
    Source,
    Status,
    TargetKind,
)
from vigil.orgs.recipients import Recipients

EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
Text300 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


def check_moment(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("must include a time zone, e.g. 2026-05-01T18:30:00+02:00")
    if value < EARLIEST:
        raise ValueError("must not be before 1900")
    if value > dt.datetime.now(dt.UTC) + FUTURE_TOLERANCE:
        raise ValueError("must not be in the future")
    return value.astimezone(dt.UTC)


@functools.lru_cache(maxsize=1024)
def _is_country(code: str) -> bool:
    """Whether `code` is an ISO 3166-1 alpha-2 code (asked once per code: an import of
    100,000 incidents asks it 100,000 times for a few dozen countries)."""
    import pycountry

    return pycountry.countries.get(alpha_2=code) is not None


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    city: Short = ""
    country: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2)] = ""
    precision: Precision = Precision.city

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if value and not _is_country(value.upper()):
            raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
        return value.upper()

    @model_validator(mode="after")
    def _point_pairs(self) -> Place:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class IncidentFields(BaseModel):
    """What a report says happened; an incident carries the same fields."""

    model_config = ConfigDict(extra="forbid")

    title: Text300
    narrative: LongText = ""
    occurred_from: dt.datetime
    occurred_to: dt.datetime | None = None
    timezone: ZoneName = Field(
        "UTC", description="IANA zone the times are shown in, e.g. Europe/Berlin."
    )
    place: Place = Field(default_factory=Place)
    type: IncidentType
    bias: list[Bias] = Field(default_factory=list, max_length=11)
    ihra: list[str] = Field(default_factory=list, max_length=11)
    target_kind: TargetKind | None = None
    injuries: int = Field(0, ge=0, le=100000)
    damage: LongText = ""
    police_reported: bool = False
    police_reference: Annotated[str, StringConstraints(max_length=100)] = ""
    severity: Severity = Severity.unknown
    site_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="The site it happened at: one you may see."
    )

    @field_validator("occurred_from", "occurred_to")
    @classmethod
    def _moment(cls, value: dt.datetime | None) -> dt.datetime | None:
        return check_moment(value)

    @field_validator("ihra")
    @classmethod
    def _ihra(cls, codes: list[str]) -> list[str]:
        unknown = [c for c in codes if c not in IHRA_INDICATORS]
        if unknown:
            raise ValueError(
                f"unknown IHRA indicator(s) {', '.join(unknown)}; use ihra.1 to ihra.11"
            )
        return sorted(set(codes), key=lambda c: int(c.split(".")[1]))

    @model_validator(mode="after")
    def _consistent(self) -> IncidentFields:
        if self.occurred_to and self.occurred_to < self.occurred_from:
            raise ValueError("occurred_to must not be before occurred_from")
        if self.ihra and Bias.antisemitism not in self.bias:
            raise ValueError("IHRA indicators apply only when bias includes antisemitism")
        return self


class ReportCreate(IncidentFields):
    tlp: TLP = DEFAULT_TLP
    recipients: Recipients = Field(default_factory=Recipients)
    contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = Field(
        "", description="How to reach the reporter; stored encrypted, shown to coordinators only."
    )


class PublicReportCreate(BaseModel):
    """The anonymous public form: plain words, few fields, an optional contact."""

    model_config = ConfigDict(extra="forbid")

    what_happened: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=10, max_length=5000)
    ]
    when: dt.datetime
    where: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=300)]
    type: IncidentType = IncidentType.other
    contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    # Honeypot: invisible to people, filled in by bots; a non-empty value discards the report.
    website: Annotated[str, StringConstraints(max_length=300)] = ""
    # A pin on the map or the phone's position; stored rounded to the organisation's precision.
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)

    @field_validator("when")
    @classmethod
    def _when(cls, value: dt.datetime) -> dt.datetime | None:
        return check_moment(value)

    @model_validator(mode="after")
    def _point_pairs(self) -> PublicReportCreate:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class ReceiptRead(BaseModel):
    receipt: str = Field(description="Keep this code: it shows the status of your report.")
    status: str


class ContactErased(BaseModel):
    had_contact: bool = Field(
        description="Whether contact details were stored with the report (they are gone now)."
    )


class ReportRead(BaseModel):
    id: int
    owner_org_id: int
    incident_id: int | None
    source: Source
    status: str
    reject_reason: str
    tlp: TLP
    version: int
    created_at: dt.datetime
    data: dict[str, Any]
    contact: str | None = Field(
        None, description="Only for coordinators of the owning organisation."
    )


class IncidentRead(BaseModel):
    id: int
    owner_org_id: int
    tlp: TLP
    status: Status
    source: Source
    title: str
    narrative: str
    occurred_from: dt.datetime
    occurred_to: dt.datetime | None
    timezone: str
    place: Place
    type: IncidentType
    bias: list[Bias]
    ihra: list[str]
    target_kind: TargetKind | None
    injuries: int
    damage: str
    police_reported: bool
    police_reference: str
    severity: Severity
    merged_into_id: int | None
    site_id: int | None = None
    source_org: str = Field(
        "", description="The organisation an imported file said it came from; empty otherwise."
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class IncidentPage(BaseModel):
    items: list[IncidentRead]
    total: int = Field(
        description="How many incidents match, counted up to 10,000 (or to the end of this "
        "page, if it lies further): when more match, this is that limit and `total_exact` is "
        "false."
    )
    total_exact: bool = Field(
        True, description="False when more incidents match than `total` says."
    )
    limit: int
    offset: int


class IncidentUpdate(PartialUpdate):
    """A partial change; the service validates the result as a whole IncidentFields."""

    title: Text300 | None = None
    narrative: LongText | None = None
    occurred_from: dt.datetime | None = None
    occurred_to: Annotated[dt.datetime | None, NULL_CLEARS] = None
    timezone: str | None = None
    place: Place | None = None
    type: IncidentType | None = None
    bias: list[Bias] | None = Field(None, max_length=11)
    ihra: list[str] | None = Field(None, max_length=11)
    target_kind: Annotated[TargetKind | None, NULL_CLEARS] = None
    injuries: int | None = Field(None, ge=0, le=100000)
    damage: LongText | None = None
    police_reported: bool | None = None
    police_reference: Annotated[str, StringConstraints(max_length=100)] | None = None
    severity: Severity | None = None
    site_id: Annotated[int | None, NULL_CLEARS] = Field(
        None, ge=1, le=2**31 - 1, description="The site it happened at: one you may see."
    )
    status: Status | None = None
    tlp: TLP | None = None
    recipients: Recipients | None = None


class ReportRecipients(enum.StrEnum):
    """What attaching a report does with the report's recipients that the incident lacks."""

    add = "add"  # the incident is shared with them too
    keep = "keep"  # the incident's recipients stay as they are


class TriageDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Annotated[str, StringConstraints(pattern="^(new_incident|attach|reject)$")]
    incident_id: int | None = Field(None, ge=1, le=2**31 - 1)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    report_recipients: ReportRecipients | None = Field(
        None,
        description="On attach, when the report is shared with recipients the incident is not: "
        "`add` shares the incident with them too, `keep` keeps its recipients. Needed then; "
        "the report's author is always added.",
    )

    @model_validator(mode="after")
    def _needs(self) -> TriageDecision:
        if self.action == "attach" and self.incident_id is None:
            raise ValueError("attach needs incident_id")
        if self.action == "reject" and not self.reason:
            raise ValueError("reject needs a reason")
        if self.action != "attach" and self.report_recipients is not None:
            raise ValueError("report_recipients applies to attach only")
        return self


class EvidenceRead(BaseModel):
    id: int
    report_id: int
    filename: str
    media_type: str
    sha256: str = Field(description="SHA-256 of the file you download from /content.")
    size: int = Field(description="Size in bytes of the file you download from /content.")
    metadata_stripped: bool = Field(
        description="True when /content gives you a copy of the image without its metadata "
        "(everyone outside the report's organisation)."
    )
    uploaded_by: int | None = Field(None, description="Only for the report's organisation.")
    created_at: dt.datetime


class ReportSubmitted(ReportRead):
    duplicates: list[Candidate] = Field(
        default_factory=list,
        description="Incidents you may see that may be the same event, most likely first.",
    )


class TriageResult(BaseModel):
    report_id: int
    incident_id: int | None


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


class HistoryEntry(BaseModel):
    at: Any
    actor: str
    action: str
    detail: dict[str, Any]


class ProvenanceRead(BaseModel):
    """Where a received incident came from (DECISIONS 30)."""

    organisation: str = Field(description="The remote organisation that made it.")
    channel: str = Field(description="'peer', 'import', or '' when unknown.")
    peer: str = Field(description="The peer whose pull brought it, when one did.")


class ReceivedDuplicateRead(BaseModel):
    """A received incident the duplicate engine takes for one of your organisation's."""

    incident: IncidentRead
    provenance: ProvenanceRead | None
    candidates: list[Candidate] = Field(description="Your organisation's incidents, best first.")


class SameEventLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incident_id: Annotated[int, Field(ge=1, le=2**31 - 1)] = Field(
        description="Your organisation's incident that is the same event."
    )


class ReceivedDecision(BaseModel):
    received_id: int
    decision: str = Field(description="'same_event' or 'not_same'.")
    incident_id: int | None = Field(None, description="The local incident, for 'same_event'.")
