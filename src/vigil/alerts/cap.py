"""The CAP 1.2 alert (OASIS Common Alerting Protocol) as a validated model.

Field names are Python's, aliases are CAP's (`msgType`, `areaDesc`, ...), so errors from a parsed
document name the CAP element that is wrong. The model checks what the XML schema cannot:
closed, simple polygons of at least four points, coordinates on Earth, expiry after the
effective time, references on Update and Cancel. A document received from outside is validated
with its CAP version as context (`received_as`): a CAP 1.0 message referred to earlier ones by
identifier alone. XML in and out is `vigil.alerts.cap_xml`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from vigil.alerts.cap_geometry import Circle, Polygon, coordinate

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"


def received_as(version: str) -> dict[str, str]:
    """The validation context of a document received in CAP `version` (1.0, 1.1, 1.2)."""
    return {"version": version}


def _cap_1_0(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("version") == "1.0")


class Status(enum.StrEnum):
    actual = "Actual"
    exercise = "Exercise"
    system = "System"
    test = "Test"
    draft = "Draft"


class MsgType(enum.StrEnum):
    alert = "Alert"
    update = "Update"
    cancel = "Cancel"
    ack = "Ack"
    error = "Error"


class Scope(enum.StrEnum):
    public = "Public"
    restricted = "Restricted"
    private = "Private"


class Category(enum.StrEnum):
    geo = "Geo"
    met = "Met"
    safety = "Safety"
    security = "Security"
    rescue = "Rescue"
    fire = "Fire"
    health = "Health"
    env = "Env"
    transport = "Transport"
    infra = "Infra"
    cbrne = "CBRNE"
    other = "Other"


class Urgency(enum.StrEnum):
    immediate = "Immediate"
    expected = "Expected"
    future = "Future"
    past = "Past"
    unknown = "Unknown"


class Severity(enum.StrEnum):
    extreme = "Extreme"
    severe = "Severe"
    moderate = "Moderate"
    minor = "Minor"
    unknown = "Unknown"


class Certainty(enum.StrEnum):
    observed = "Observed"
    likely = "Likely"
    possible = "Possible"
    unlikely = "Unlikely"
    unknown = "Unknown"


class ResponseType(enum.StrEnum):
    shelter = "Shelter"
    evacuate = "Evacuate"
    prepare = "Prepare"
    execute = "Execute"
    avoid = "Avoid"
    monitor = "Monitor"
    assess = "Assess"
    all_clear = "AllClear"
    none = "None"


# Characters XML 1.0 cannot carry at all (control characters, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    found = _NOT_XML.search(value)
    if found:
        raise ValueError(f"holds the character U+{ord(found.group()):04X}, which XML cannot carry")
    return value


# CAP 1.2 section 3.2.1: identifier and sender hold no spaces, commas or restricted characters.
_TOKEN = re.compile(r"^[^\s,<&]+$")
Token = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=_TOKEN.pattern)]
Text = Annotated[str, StringConstraints(max_length=20000), AfterValidator(xml_text)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(xml_text)]
# Required by the schema but allowed to be empty there (xs:string): event, areaDesc, valueName.
Named = Annotated[str, StringConstraints(max_length=500), AfterValidator(xml_text)]


def _cap_time(value: Any) -> Any:
    """CAP writes UTC as "-00:00"; Python reads only "+00:00"."""
    if isinstance(value, str) and value.endswith("-00:00"):
        return value[:-6] + "+00:00"
    return value


CapTime = Annotated[dt.datetime, BeforeValidator(_cap_time)]


class ValuePair(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    value_name: Named = Field(alias="valueName")
    value: Text


class Resource(BaseModel):
    """A file that goes with the message (a map, an image), by reference or inline (derefUri)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    resource_desc: Text = Field(alias="resourceDesc")
    mime_type: Named = Field(alias="mimeType")
    size: int | None = Field(None, ge=0)
    uri: Text | None = None
    deref_uri: Annotated[str, StringConstraints(max_length=1_500_000)] | None = Field(
        None, alias="derefUri"
    )
    digest: Named | None = None


class Area(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    area_desc: Annotated[str, StringConstraints(max_length=2000), AfterValidator(xml_text)] = Field(
        alias="areaDesc"
    )
    polygons: list[Polygon] = Field(default_factory=list, alias="polygon", max_length=100)
    circles: list[Circle] = Field(default_factory=list, alias="circle", max_length=100)
    geocodes: list[ValuePair] = Field(default_factory=list, alias="geocode", max_length=1000)
    altitude: float | None = None
    ceiling: float | None = None

    def polygons_to_cap(self) -> list[str]:
        return [
            " ".join(f"{coordinate(lat)},{coordinate(lon)}" for lat, lon in ring)
            for ring in self.polygons
        ]


class Info(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    language: Annotated[
        str, StringConstraints(max_length=35, pattern=r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
    ] = "en-US"
    category: list[Category] = Field(min_length=1, max_length=12)
    event: Named
    response_type: list[ResponseType] = Field(
        default_factory=list, alias="responseType", max_length=9
    )
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    audience: Text | None = None
    event_code: list[ValuePair] = Field(default_factory=list, alias="eventCode", max_length=500)
    effective: CapTime | None = None
    onset: CapTime | None = None
    expires: CapTime | None = None
    sender_name: Text | None = Field(None, alias="senderName")
    headline: Annotated[str, StringConstraints(max_length=500), AfterValidator(xml_text)] | None = (
        None
    )
    description: Text | None = None
    instruction: Text | None = None
    web: Annotated[str, StringConstraints(max_length=2000), AfterValidator(xml_text)] | None = None
    contact: Text | None = None
    parameter: list[ValuePair] = Field(default_factory=list, max_length=500)
    resource: list[Resource] = Field(default_factory=list, max_length=100)
    area: list[Area] = Field(default_factory=list, max_length=100)

    @field_validator("effective", "onset", "expires")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _whole_seconds_utc(value)

    @field_validator("expires")
    @classmethod
    def _expires_after_effective(
        cls, value: dt.datetime | None, info: ValidationInfo
    ) -> dt.datetime | None:
        effective = info.data.get("effective")
        if value is not None and effective is not None and value <= effective:
            raise ValueError("expires must be after effective")
        return value


def _whole_seconds_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("give the time with its zone offset, e.g. 2026-11-23T10:00:00+01:00")
    return value.astimezone(dt.UTC).replace(microsecond=0)


class CapAlert(BaseModel):
    """One CAP 1.2 `alert` element with its `info` blocks."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    identifier: Token
    sender: Token
    sent: CapTime
    status: Status
    msg_type: MsgType = Field(alias="msgType")
    source: Text | None = None
    scope: Scope
    restriction: Text | None = Field(None, validate_default=True)
    addresses: Text | None = Field(None, validate_default=True)
    code: list[Text] = Field(default_factory=list, max_length=100)
    note: Text | None = None
    references: list[str] = Field(
        default_factory=list,
        validate_default=True,
        max_length=1000,
        description="Earlier messages this one updates or cancels, each 'sender,identifier,sent'.",
    )
    incidents: Text | None = None
    info: list[Info] = Field(default_factory=list, max_length=50)

    @field_validator("sent")
    @classmethod
    def _sent(cls, value: dt.datetime) -> dt.datetime | None:
        return _whole_seconds_utc(value)

    @field_validator("references", mode="before")
    @classmethod
    def _split_references(cls, value: Any) -> Any:
        return value.split() if isinstance(value, str) else value

    @field_validator("references")
    @classmethod
    def _reference_triples(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if _cap_1_0(info):
            return value
        for ref in value:
            parts = ref.split(",")
            if len(parts) != 3 or not all(parts):
                raise ValueError(f"{ref!r} is not a 'sender,identifier,sent' reference")
        return value

    @field_validator("references")
    @classmethod
    def _references_needed(cls, value: list[str], info: ValidationInfo) -> list[str]:
        msg_type = info.data.get("msg_type")
        if msg_type in (MsgType.update, MsgType.cancel, MsgType.ack, MsgType.error) and not value:
            article = "an" if msg_type.value[0] in "AEIOU" else "a"
            raise ValueError(
                f"{article} {msg_type.value} message must give references: "
                "the earlier messages it is about"
            )
        return value

    @field_validator("restriction", "addresses")
    @classmethod
    def _scope_needs(cls, value: str | None, info: ValidationInfo) -> str | None:
        scope = info.data.get("scope")
        if scope == Scope.restricted and info.field_name == "restriction" and not value:
            raise ValueError("scope Restricted needs a restriction text")
        if scope == Scope.private and info.field_name == "addresses" and not value:
            raise ValueError("scope Private needs addresses")
        return value

    def reference(self) -> str:
        """How later messages refer to this one."""
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


def canonical_reference(reference: str) -> str:
    """A reference "sender,identifier,sent" with its time in UTC as Vigil writes it, so that
    "...,2012-05-02T17:45:05-04:00" and "...,2012-05-02T21:45:05-00:00" are the same message.
    Anything else (a CAP 1.0 bare identifier, an unreadable time) is returned as it is."""
    parts = reference.split(",")
    if len(parts) != 3:
        return reference
    try:
        sent = dt.datetime.fromisoformat(_cap_time(parts[2]))
    except ValueError:
        return reference
    if sent.tzinfo is None:
        return reference
    return f"{parts[0]},{parts[1]},{cap_time(sent)}"


def cap_time(value: dt.datetime) -> str:
    """CAP's date-time form: whole seconds and an explicit offset (UTC written as +00:00)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
