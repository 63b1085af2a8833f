"""Input and output shapes of organisations, networks, people and memberships."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from babel.numbers import list_currencies
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from vigil.core.forms import valid_zone
from vigil.core.partial import PartialUpdate
from vigil.core.policy import Role
from vigil.orgs.models import OrgKind

Slug = Annotated[
    str,
    StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# As long as the api_tokens.name column.
TokenName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
COUNTRY = re.compile(r"^[A-Z]{2}$")
# Path words that sit beside organisation slugs in URLs (/report/status, /orgs/new ...).
RESERVED_SLUGS = frozenset({"status", "new", "admin", "api", "static", "vendor", "report"})
# The languages Vigil ships (DECISIONS 32); he is written right to left.
SHIPPED_LOCALES = ("en", "de", "fr", "cs", "pl", "nl", "bg", "he")
# How precisely an organisation's public form keeps a reporter's location (rounded to).
PUBLIC_PRECISIONS_M = (100, 500, 1000, 5000)


def _shipped_or_empty(value: str) -> str:
    if value not in ("", *SHIPPED_LOCALES):
        raise ValueError(f"must be one of {', '.join(SHIPPED_LOCALES)}, or empty")
    return value


def _zone_or_empty(value: str) -> str:
    if value and not valid_zone(value):
        raise ValueError(f"'{value}' is not an IANA time zone such as Europe/Prague")
    return value


def _public_precision(value: int) -> int:
    if value not in PUBLIC_PRECISIONS_M:
        raise ValueError(f"must be one of {', '.join(map(str, PUBLIC_PRECISIONS_M))} metres")
    return value


# A shipped language, or "" (not chosen: a person follows the browser, an organisation English).
LocaleChoice = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_shipped_or_empty)
]
# An IANA zone name, or "" (a person: the organisation's; an organisation: its country's).
ZoneChoice = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_zone_or_empty)
]
PublicPrecision = Annotated[int, AfterValidator(_public_precision)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class OrganisationCreate(Strict):
    slug: Slug = Field(description="Short lowercase identifier used in URLs, e.g. `cst-berlin`.")
    name: Name
    kind: OrgKind
    country: str = Field(description="ISO 3166-1 alpha-2 code, e.g. `DE`.")
    parent_id: int | None = Field(None, ge=1, le=2**31 - 1)
    accepts_public_reports: bool = False

    @field_validator("slug")
    @classmethod
    def _not_a_page(cls, value: str) -> str:
        if value in RESERVED_SLUGS:
            raise ValueError(f"'{value}' is a word Vigil's addresses use; choose another slug")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        upper = value.strip().upper()
        if not COUNTRY.match(upper):
            raise ValueError("must be a two-letter ISO 3166-1 country code such as DE or CZ")
        return upper


class OrganisationRead(Strict):
    id: int
    slug: str
    name: str
    kind: OrgKind
    country: str
    parent_id: int | None
    accepts_public_reports: bool
    national_threat_level: int = Field(
        2,
        description="Declared national threat level: 1 low, 2 moderate, 3 substantial, "
        "4 severe, 5 critical.",
    )
    networks: list[str] = []
    default_locale: str = Field("", description="Its default language; empty: English.")
    time_zone: str = Field("", description="Its time zone; empty: its country's main zone.")
    shown_time_zone: str = Field("UTC", description="The zone its pages show times in.")
    public_location_precision_m: int = Field(
        1000, description="Its public form rounds a reporter's location to this many metres."
    )


class OrganisationSettings(PartialUpdate, Strict):
    """What an organisation administrator sets of how Vigil speaks to their organisation."""

    default_locale: LocaleChoice | None = Field(
        None, description=f"One of {', '.join(SHIPPED_LOCALES)}; empty: English."
    )
    time_zone: ZoneChoice | None = Field(
        None, description="An IANA zone such as Europe/Prague; empty: the country's main zone."
    )
    public_location_precision_m: PublicPrecision | None = Field(
        None,
        description="Metres a reporter's location on the public form is rounded to: "
        f"one of {', '.join(map(str, PUBLIC_PRECISIONS_M))}.",
    )


class OrganisationUpdate(OrganisationSettings):
    """What a coordinator (threat level) or organisation admin (settings) may change."""

    national_threat_level: int | None = Field(
        None, ge=1, le=5, description="1 low, 2 moderate, 3 substantial, 4 severe, 5 critical."
    )


class NetworkCreate(Strict):
    slug: Slug
    name: Name
    description: Annotated[str, StringConstraints(max_length=2000)] = ""


class NetworkRead(Strict):
    id: int
    slug: str
    name: str
    description: str
    organisation_ids: list[int] = []


class MemberRead(Strict):
    person_id: int
    name: str
    email: str
    role: Role
    since: dt.datetime


class InvitationCreate(Strict):
    email: EmailStr
    role: Role = Role.viewer


class RoleUpdate(PartialUpdate, Strict):
    role: Role


class PersonRead(Strict):
    id: int
    name: str
    email: str
    locale: str
    time_zone: str = ""
    totp_enabled: bool
    is_platform_admin: bool


class MembershipRead(Strict):
    org_id: int
    org_slug: str
    org_name: str
    role: Role


class MeRead(PersonRead):
    memberships: list[MembershipRead]
    acting_org_id: int | None


class TokenCreate(Strict):
    name: TokenName = Field(description="What the token is for, e.g. `SIEM export`.")


class TokenRead(Strict):
    id: int
    name: str
    hint: str = Field(description="Last four characters, to recognise the token.")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="The secret: shown this once, store it now.")


class AcceptInvitation(Strict):
    name: Name
    password: Annotated[str, StringConstraints(max_length=128)]


class PasswordResetRequest(Strict):
    email: EmailStr


class PasswordResetComplete(Strict):
    password: Annotated[str, StringConstraints(max_length=128)]


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    password: str
    totp_code: str | None = None
    token_name: TokenName = "API"  # noqa: S105 - a label, not a secret


class NetworkJoin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org_id: int


def _issuer_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", value):
        raise ValueError("must be the provider's issuer address, such as https://id.example.org")
    return value


def _email_domains(value: list[str]) -> list[str]:
    cleaned = [d.strip().lower().lstrip("@") for d in value if d.strip()]
    for domain in cleaned:
        if not re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", domain):
            raise ValueError(f"'{domain}' is not an e-mail domain such as example.org")
    return cleaned


class IdentityProviderSettings(Strict):
    """An organisation's OpenID Connect provider as its administrator sets it up."""

    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    issuer: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_issuer_url)
    ]
    client_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    # Empty when changing other settings: the stored secret stays.
    client_secret: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    role_claim: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ] = "groups"
    role_map: dict[Annotated[str, StringConstraints(min_length=1, max_length=200)], Role] = Field(
        min_length=1
    )
    email_domains: Annotated[list[str], AfterValidator(_email_domains)] = []
    passwords_disabled: bool = False


class IdentityProviderRead(Strict):
    org_id: int
    label: str
    issuer: str
    client_id: str
    role_claim: str
    role_map: dict[str, Role]
    email_domains: list[str]
    passwords_disabled: bool
    redirect_uri: str


# Whole units of a currency a cost band may reach (a trillion: beyond any measure's cost).
MAX_MONEY = 10**12
Money = Annotated[int, Field(ge=0, le=MAX_MONEY)]


class CostBandsUpdate(Strict):
    """An organisation's money range for each cost class of a measure, in one currency."""

    currency: str = Field(description="An ISO 4217 currency code such as EUR, CZK or GBP.")
    low_min: Money
    low_max: Money
    medium_min: Money
    medium_max: Money
    high_min: Money
    high_max: Money

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in list_currencies():
            raise ValueError("must be an ISO 4217 currency code such as EUR, CZK or GBP")
        return code

    @field_validator("low_max", "medium_max", "high_max")
    @classmethod
    def _not_below_min(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get(str(info.field_name).replace("_max", "_min"))
        if low is not None and value < low:
            raise ValueError(f"must be at least the minimum of the class ({low})")
        return value


class CostBandsRead(CostBandsUpdate):
    org_id: int
    is_default: bool = Field(description="True: the organisation set none; Vigil's defaults.")
