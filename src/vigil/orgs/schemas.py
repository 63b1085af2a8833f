"""Input and output shapes of organisations, networks, people and memberships."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

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


class OrganisationUpdate(PartialUpdate, Strict):
    """What a coordinator or organisation admin may change of their organisation."""

    national_threat_level: int = Field(
        ge=1, le=5, description="1 low, 2 moderate, 3 substantial, 4 severe, 5 critical."
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
