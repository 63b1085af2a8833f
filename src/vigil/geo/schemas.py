"""The place a geocoder answers with, in the same terms as an incident's place (DOMAIN.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Precision = Literal["exact", "street", "city", "country"]
# Why a place is a candidate, as a code a page can translate; `reason` says it in English.
# A district's name ("Kreuzberg") is a `name` or `other_name` of a place whose `district` is set.
MatchKind = Literal[
    "name", "other_name", "inflected_name", "similar_name", "country_name", "nearest_city"
]


class Place(BaseModel):
    """A candidate place: a city, or a whole country when only the country is known."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="What to show: the city's name, or the country's.")
    city: str | None = Field(description="City name; none for a country-level place.")
    district: str | None = Field(
        default=None, description="The district of the city, when the place is one (Josefov)."
    )
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code.")
    country_name: str
    admin1: str | None = Field(
        description="First-level subdivision (state, canton...) when it is known for sure."
    )
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    population: int | None = Field(ge=0)
    timezone: str | None = Field(description="IANA time zone, e.g. `Europe/Berlin`.")
    precision: Precision
    match: MatchKind
    score: float = Field(ge=0, le=1, description="How well the place answers the query.")
    reason: str = Field(description="Why it is a candidate, in English, with the details.")
    distance_km: float | None = Field(
        default=None, ge=0, description="From the queried point, for a reverse lookup."
    )
    geonameid: int | None = Field(default=None, description="The GeoNames id of a city.")
