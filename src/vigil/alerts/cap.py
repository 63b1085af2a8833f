"""The CAP 1.2 alert (OASIS Common Alerting Protocol) as a validated model.

Field names are Python's, aliases are CAP's (`msgType`, `areaDesc`, ...), so errors from a parsed
document name the CAP element that is wrong. The model checks what the XML schema cannot:
closed, simple polygons of at least four points, coordinates on Earth, expiry after the
effective time, references on Update and Cancel. XML in and out is `vigil.alerts.cap_xml`.
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
    model_validator,
)
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.validation import explain_validity

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"


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
Point = tuple[float, float]


def _cap_time(value: Any) -> Any:
    """CAP writes UTC as "-00:00"; Python reads only "+00:00"."""
    if isinstance(value, str) and value.endswith("-00:00"):
        return value[:-6] + "+00:00"
    return value


CapTime = Annotated[dt.datetime, BeforeValidator(_cap_time)]


def _check_point(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{lat},{lon} is not on Earth (latitude -90..90, longitude -180..180)")


def _parse_pairs(value: Any) -> Any:
    """A CAP polygon string "lat,lon lat,lon ..." as a list of (lat, lon) pairs."""
    if not isinstance(value, str):
        return value
    points = []
    for pair in value.split():
        parts = pair.split(",")
        if len(parts) != 2:
            raise ValueError(f"{pair!r} is not a 'lat,lon' pair")
        try:
            points.append((float(parts[0]), float(parts[1])))
        except ValueError:
            raise ValueError(f"{pair!r} is not a 'lat,lon' pair of numbers") from None
    return points


def _check_polygon(points: list[Point]) -> list[Point]:
    if len(points) < 4:
        raise ValueError(f"a polygon needs at least 4 lat,lon pairs (first = last): {len(points)}")
    for lat, lon in points:
        _check_point(lat, lon)
    if points[0] != points[-1]:
        raise ValueError("the polygon is not closed: its last pair must repeat the first")
    shape = ShapelyPolygon([(lon, lat) for lat, lon in points])
    if not shape.is_valid:
        reason = explain_validity(shape)
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            raise ValueError(f"the polygon intersects itself ({reason})")
        raise ValueError(f"the polygon is not a valid area ({reason})")
    if shape.area == 0:
        raise ValueError("the polygon encloses no area")
    return points


Polygon = Annotated[list[Point], BeforeValidator(_parse_pairs), AfterValidator(_check_polygon)]


class Circle(BaseModel):
    """A CAP circle "lat,lon radius_km"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0, le=20000)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = re.fullmatch(r"\s*([^\s,]+),([^\s,]+)\s+([^\s,]+)\s*", value)
        if not match:
            raise ValueError(f"{value!r} is not a 'lat,lon radius_km' circle")
        lat, lon, radius = match.groups()
        return {"lat": lat, "lon": lon, "radius_km": radius}

    def to_cap(self) -> str:
        return f"{_num(self.lat)},{_num(self.lon)} {_num(self.radius_km)}"


class ValuePair(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    value_name: Short = Field(alias="valueName")
    value: Annotated[str, StringConstraints(max_length=2000), AfterValidator(xml_text)]


class Area(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    area_desc: Short = Field(alias="areaDesc")
    polygons: list[Polygon] = Field(default_factory=list, alias="polygon", max_length=100)
    circles: list[Circle] = Field(default_factory=list, alias="circle", max_length=100)
    geocodes: list[ValuePair] = Field(default_factory=list, alias="geocode", max_length=1000)
    altitude: float | None = None
    ceiling: float | None = None

    def polygons_to_cap(self) -> list[str]:
        return [" ".join(f"{_num(lat)},{_num(lon)}" for lat, lon in p) for p in self.polygons]


class Info(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    language: Annotated[
        str, StringConstraints(max_length=35, pattern=r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
    ] = "en-US"
    category: list[Category] = Field(min_length=1, max_length=12)
    event: Short
    response_type: list[ResponseType] = Field(
        default_factory=list, alias="responseType", max_length=9
    )
    urgency: Urgency
    severity: Severity
    certainty: Certainty
    audience: Text | None = None
    event_code: list[ValuePair] = Field(default_factory=list, alias="eventCode", max_length=100)
    effective: CapTime | None = None
    onset: CapTime | None = None
    expires: CapTime | None = None
    sender_name: Short | None = Field(None, alias="senderName")
    headline: (
        Annotated[str, StringConstraints(max_length=500), AfterValidator(xml_text)] | None
    ) = None
    description: Text | None = None
    instruction: Text | None = None
    web: Annotated[str, StringConstraints(max_length=2000), AfterValidator(xml_text)] | None = None
    contact: Short | None = None
    parameter: list[ValuePair] = Field(default_factory=list, max_length=100)
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
    source: Short | None = None
    scope: Scope
    restriction: Short | None = Field(None, validate_default=True)
    addresses: Text | None = Field(None, validate_default=True)
    code: list[Short] = Field(default_factory=list, max_length=100)
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
    def _reference_triples(cls, value: list[str]) -> list[str]:
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
            raise ValueError(f"a {msg_type.value} message must give references")
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


def cap_time(value: dt.datetime) -> str:
    """CAP's date-time form: whole seconds and an explicit offset (UTC written as +00:00)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _num(value: float) -> str:
    """A coordinate without float noise or a trailing '.0'."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
