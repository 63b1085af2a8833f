"""Input and output of sites, their contacts and their events; validation names the field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

import pycountry
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from vigil.core.errors import Invalid
from vigil.core.forms import ZoneName
from vigil.core.partial import NULL_CLEARS, PartialUpdate
from vigil.core.policy import DEFAULT_TLP, TLP
from vigil.geo.perimeter import parse_perimeter
from vigil.orgs.recipients import Recipients
from vigil.sites.kinds import CapacityTier, PremisesDuty, Recurrence, SiteType

MAX_PEOPLE = 10_000_000
MAX_CONTACTS = 20
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
People = Annotated[int, Field(ge=0, le=MAX_PEOPLE)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^(\+?[0-9 ()./-]{5,40})?$"),
]


def check_country(value: str) -> str:
    if value and pycountry.countries.get(alpha_2=value.upper()) is None:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code")
    return value.upper()


def perimeter_text(value: Any, lat: float, lon: float) -> str | None:
    """The perimeter checked against the point, as a pydantic error naming `perimeter`."""
    try:
        return parse_perimeter(value, lat=lat, lon=lon)
    except Invalid as exc:
        raise ValueError(exc.reason) from exc


class SiteFields(BaseModel):
    """What describes a site; create and (merged) update are checked with the same rules."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    type: SiteType
    address: Address = ""
    city: Short = ""
    country: Country = ""
    lat: Latitude
    lon: Longitude
    perimeter: dict[str, Any] | str | None = Field(
        None,
        description="GeoJSON Polygon ([lon, lat] positions, closed rings) around the point.",
    )
    capacity: People = Field(0, description="How many people the site holds at most.")
    typical_attendance: People = Field(0, description="How many people are usually there.")
    opening_pattern: LongText = Field("", description="When it is open, in words.")

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return check_country(value)

    @field_validator("perimeter")
    @classmethod
    def _perimeter(cls, value: Any, info: ValidationInfo) -> dict[str, Any] | None:
        """Checked against the point, which is validated before (fields in order)."""
        lat, lon = info.data.get("lat"), info.data.get("lon")
        if lat is None or lon is None:
            return None  # the point itself is wrong, and that error is the one to show
        text = perimeter_text(value, lat, lon)
        return json.loads(text) if text else None


class SiteCreate(SiteFields):
    tlp: TLP = Field(DEFAULT_TLP, description="TLP 2.0 level; default amber+strict.")
    recipients: Recipients = Field(default_factory=Recipients)


class SiteUpdate(PartialUpdate):
    """Fields left out stay as they are; the service checks the result as a whole SiteFields."""

    name: Name | None = None
    type: SiteType | None = None
    address: Address | None = None
    city: Short | None = None
    country: Country | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    perimeter: Annotated[dict[str, Any] | str | None, NULL_CLEARS] = Field(
        None, description="GeoJSON Polygon around the point."
    )
    capacity: People | None = None
    typical_attendance: People | None = None
    opening_pattern: LongText | None = None
    tlp: TLP | None = None
    recipients: Recipients | None = None


class DutyTierRead(BaseModel):
    """The site's tier under the premises rule set of its country, and why."""

    tier: CapacityTier | None = Field(description="standard, enhanced, or none (out of scope).")
    basis: Literal["site_type", "capacity", "below_scope", "capacity_unknown"] = Field(
        description="What decides the tier: the rule set's rule for the site's type, its "
        "capacity against the thresholds, a capacity below the scope, or no capacity given."
    )
    reason: str | dict[str, str] | None = Field(
        description="The rule set's words for a site type it treats otherwise, by language."
    )
    rule_set: str = Field(description="Code of the rule set applied, e.g. `uk`.")
    name: str | dict[str, str]
    law: str | dict[str, str] = Field(description="Title of the law, by language.")
    source: str = Field(description="Where the law is published.")
    advisory: bool = Field(
        description="No rule set covers the site's country: the tier is advice after this one."
    )
    in_scope_from: int
    enhanced_from: int
    duties: list[PremisesDuty] = Field(description="The duties the site's tier carries.")


class SiteRead(BaseModel):
    id: int
    owner_org_id: int
    owner_org_name: str
    author_id: int | None
    tlp: TLP
    name: str
    type: SiteType
    address: str
    city: str
    country: str
    lat: float
    lon: float
    perimeter: dict[str, Any] | None
    capacity: int
    typical_attendance: int
    capacity_tier: CapacityTier | None = Field(
        description="The duty tier (`duty_tier.tier`): standard, enhanced, or none out of scope."
    )
    duty_tier: DutyTierRead
    opening_pattern: str
    created_at: dt.datetime
    updated_at: dt.datetime
    recipients: Recipients | None = Field(
        None, description="Shown to members of the owning organisation only."
    )


class SitePage(BaseModel):
    items: list[SiteRead]
    total: int
    limit: int
    offset: int


class SiteNear(BaseModel):
    site: SiteRead
    distance_km: float


class SiteFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: list[SiteType] = Field(default_factory=list)
    city: str | None = Field(None, max_length=200)
    country: str | None = Field(None, max_length=2)
    q: str | None = Field(None, max_length=200, description="Words in the name or address.")


class SiteListQuery(SiteFilters):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class ContactWrite(BaseModel):
    """One contact; the order of the list is the priority (first = called first)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    role: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    email: EmailStr | None = None
    phone: Phone = ""
    person_id: int | None = Field(None, ge=1, le=2**31 - 1)

    @model_validator(mode="after")
    def _reachable(self) -> ContactWrite:
        if not self.email and not self.phone and self.person_id is None:
            raise ValueError("give an e-mail, a phone number or a Vigil member to reach")
        return self


class ContactsPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contacts: list[ContactWrite] = Field(default_factory=list, max_length=MAX_CONTACTS)


class ContactRead(BaseModel):
    site_id: int
    priority: int = Field(description="1 is called first; the next ones are the alternates.")
    name: str
    role: str
    email: str | None
    phone: str | None
    person_id: int | None


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: ZoneName = Field(
        "UTC", description="IANA zone the event repeats in, e.g. Europe/Berlin."
    )
    recurrence: Recurrence = Recurrence.none
    expected_attendance: People = 0

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("must include a time zone, e.g. 2026-05-01T18:30:00+02:00")
        return value.astimezone(dt.UTC)

    @model_validator(mode="after")
    def _order(self) -> EventCreate:
        if self.ends_at < self.starts_at:
            raise ValueError("ends_at must not be before starts_at")
        limit = dt.timedelta(days=6 if self.recurrence == Recurrence.weekly else 31)
        if self.ends_at - self.starts_at > limit:
            raise ValueError(f"an event of this kind lasts at most {limit.days} days")
        return self


class EventRead(BaseModel):
    id: int
    site_id: int
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    recurrence: Recurrence
    expected_attendance: int


class Occurrence(BaseModel):
    """One occurrence of an event (a repeating event has many)."""

    event_id: int
    site_id: int
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    recurrence: Recurrence
    expected_attendance: int
