"""Input and output of sharing: the organisation's sharing profile."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vigil.core.policy import TLP
from vigil.orgs.recipients import Recipients


class PlacePrecision(enum.StrEnum):
    """How precisely an incident's place leaves: its city and country, or its exact point."""

    city = "city"
    exact = "exact"


class TypologyField(enum.StrEnum):
    """The typology fields an organisation may choose to share in the Vigil STIX extension."""

    type = "type"
    bias = "bias"
    ihra = "ihra"
    target_kind = "target_kind"
    severity = "severity"
    status = "status"


ALL_TYPOLOGY_FIELDS = tuple(TypologyField)


class SharingProfileRead(BaseModel):
    org_id: int
    share_narrative: bool = Field(
        description="Whether an incident's narrative leaves as its STIX `description`."
    )
    share_reports: bool = Field(
        False,
        description="Whether the text (title and narrative) of an incident's reports leaves as "
        "STIX `note`s about it; never their authors, reporters or contacts.",
    )
    place_precision: PlacePrecision = Field(
        description="`city`: city and country only; `exact`: also the point (latitude and "
        "longitude) of incidents placed exactly or to the street."
    )
    typology_fields: list[TypologyField] = Field(
        description="Typology fields carried in the Vigil extension of each incident."
    )
    updated_at: dt.datetime | None = Field(None, description="None while the defaults apply.")


class SharingProfileUpdate(BaseModel):
    """The whole profile: what is not sent returns to its default."""

    model_config = ConfigDict(extra="forbid")

    share_narrative: bool = False
    share_reports: bool = False
    place_precision: PlacePrecision = PlacePrecision.city
    typology_fields: list[TypologyField] = Field(
        default_factory=lambda: list(ALL_TYPOLOGY_FIELDS), max_length=len(ALL_TYPOLOGY_FIELDS)
    )


class GroupingCreate(BaseModel):
    """A set of incidents to share together, at a TLP no looser than the strictest of them."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    incident_ids: list[int] = Field(min_length=1, max_length=1000)
    tlp: TLP
    recipients: Recipients = Field(default_factory=Recipients)


class GroupingRead(BaseModel):
    id: int
    owner_org_id: int
    name: str
    description: str
    incident_ids: list[int]
    tlp: TLP
    recipient_org_ids: list[int]
    created_at: dt.datetime
