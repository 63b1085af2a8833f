"""Input and output of watches: what an organisation watches besides its own sites' names."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from vigil.monitoring.models import WatchKind

MAX_WATCH_RADIUS_KM = 50.0
MAX_ALIASES = 20
WatchText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Alias = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
ALIAS_SEPARATOR = ";"


class WatchCreate(BaseModel):
    """A term (matched by its lemmas in every language), a place (a point and a radius) or
    aliases of one of the organisation's sites (its name is always watched)."""

    model_config = ConfigDict(extra="forbid")

    kind: WatchKind
    value: WatchText = Field("", description="The term, or the place's name.")
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    radius_km: float = Field(
        2.0,
        gt=0,
        le=MAX_WATCH_RADIUS_KM,
        allow_inf_nan=False,
        description="Places named within this distance of the point (or site) are watched.",
    )
    site_id: int | None = Field(None, ge=1, le=2**31 - 1)
    aliases: list[Alias] = Field(
        default_factory=list,
        max_length=MAX_ALIASES,
        description="Other names of the site in the news (kind site).",
    )

    @model_validator(mode="after")
    def _complete(self) -> WatchCreate:
        if self.kind == WatchKind.term and len(self.value) < 2:
            raise ValueError("a term watch needs a term of at least 2 characters in value")
        if self.kind == WatchKind.place:
            if self.lat is None or self.lon is None:
                raise ValueError("a place watch needs lat and lon")
            if not self.value:
                raise ValueError("a place watch needs the place's name in value")
        if self.kind == WatchKind.site:
            if self.site_id is None:
                raise ValueError("a site watch needs site_id")
            if any(ALIAS_SEPARATOR in alias for alias in self.aliases):
                raise ValueError(f"an alias may not contain '{ALIAS_SEPARATOR}'")
            if len(ALIAS_SEPARATOR.join(self.aliases)) > 300:
                raise ValueError("the aliases together may be at most 300 characters")
        return self


class WatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: WatchKind
    value: str
    aliases: list[str]
    site_id: int | None
    lat: float | None
    lon: float | None
    radius_km: float
    owner_org_id: int
    tlp: str
    created_at: dt.datetime


def aliases_of(value: str) -> list[str]:
    """The aliases a site watch keeps in its value."""
    return [alias.strip() for alias in value.split(ALIAS_SEPARATOR) if alias.strip()]
