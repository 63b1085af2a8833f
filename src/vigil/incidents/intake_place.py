"""Where a report that arrives without a member's care happened: an anonymous witness's words
("Synagoga, Dušní, Praha") or a CSV row's city, placed offline when they arrive so that such
reports take part in duplicate matching like members' reports.

A name is placed only when the geocoder finds it exactly, by its main or another name, in the
country expected (the organisation's, or the row's): a typing-error match, or a place abroad,
would put a report in the wrong city without anyone noticing, so the text is then kept without
a point and the outcome says why. A point the witness gave (map pin, "use my location") is
kept, rounded to what the organisation asks witnesses to share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from vigil.core.errors import Invalid
from vigil.geo.geocoding import geocode
from vigil.geo.schemas import Place as GeoPlace
from vigil.incidents.typology import Precision

if TYPE_CHECKING:
    from vigil.incidents.schemas import PublicReportCreate
    from vigil.orgs.models import Organisation

# A point rounded to this many metres or fewer is still exact, a street, a city (Place.precision).
EXACT_METRES = 25
STREET_METRES = 250
CITY_METRES = 20_000
METRES_PER_DEGREE = 111_320  # of latitude; of longitude at the equator
MIN_COSINE = 0.01  # near the poles a degree of longitude is a few metres: keep the step finite
CANDIDATES = 5
# Match kinds the geocoder gives for a name found as written (geo.schemas.MatchKind).
SURE_MATCHES = frozenset({"name", "other_name", "country_name"})

# placed: a city (or the country) from the text; point: the witness's own point, kept;
# similar_only: only a name within a typing error; abroad: only places in another country;
# not_found: no place of that name.
Outcome = Literal["placed", "point", "similar_only", "abroad", "not_found"]


@dataclass(frozen=True)
class Placing:
    """What placing a text gave: the place chosen (None when none was) and why."""

    outcome: Outcome
    place: GeoPlace | None = None
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        found = self.place
        return {
            "outcome": self.outcome,
            "city": found.city if found else None,
            "country": found.country if found else None,
            "precision": found.precision if found else None,
            "reason": self.reason,
        }


def place_name(text: str, country: str) -> Placing:
    """The place `text` names in `country`, chosen only when it is found as written there."""
    text = " ".join(text.split())
    if not text:
        return Placing("not_found", reason="no place given")
    try:
        found = geocode(text, country=country, limit=CANDIDATES)
    except Invalid:
        return Placing("not_found", reason="the place text is too long to look up")
    sure = [p for p in found if p.match in SURE_MATCHES and p.country == country]
    if sure:
        return Placing("placed", sure[0], sure[0].reason)
    if found:
        best = found[0]
        return Placing("similar_only", reason=f"only a similar name: {best.name} ({best.reason})")
    abroad = geocode(text, limit=1)
    if abroad:
        best = abroad[0]
        return Placing("abroad", reason=f"only a place abroad: {best.name}, {best.country}")
    return Placing("not_found", reason=f'no place called "{text}" is known')


def precision_of(metres: int) -> Precision:
    """How exact a point rounded to `metres` still is, in the words of Place.precision."""
    if metres <= EXACT_METRES:
        return Precision.exact
    if metres <= STREET_METRES:
        return Precision.street
    return Precision.city if metres <= CITY_METRES else Precision.country


def rounded_point(lat: float, lon: float, metres: int) -> tuple[float, float]:
    """The point moved to the nearest corner of a grid `metres` apart, so what is stored
    says no more than the organisation asks witnesses to share (the form rounds it too)."""
    if metres <= 0:
        return round(lat, 6), round(lon, 6)
    lat_step = metres / METRES_PER_DEGREE
    lat = max(-90.0, min(90.0, round(lat / lat_step) * lat_step))
    lon_step = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), MIN_COSINE))
    lon = round(lon / lon_step) * lon_step
    lon = ((lon + 180.0) % 360.0) - 180.0 if abs(lon) > 180.0 else lon
    return round(lat, 6), round(lon, 6)


def placed_fields(placing: Placing) -> dict[str, Any]:
    """The incident place fields a chosen place gives: its centre, city-level (or only the
    country, which says nothing as a point)."""
    found = placing.place
    if found is None:
        return {}
    if found.precision == "country":
        return {"country": found.country, "precision": Precision.country.value}
    return {
        "lat": found.lat,
        "lon": found.lon,
        "city": found.city or "",
        "country": found.country,
        "precision": Precision.city.value,
    }


def public_place(org: Organisation, data: PublicReportCreate) -> tuple[dict[str, Any], Placing]:
    """The place an anonymous report keeps: its words, and either the witness's point rounded
    to the organisation's precision or the city its words name in the organisation's country."""
    place: dict[str, Any] = {"address": data.where}
    if data.lat is not None and data.lon is not None:
        metres = org.public_location_precision_m
        place["lat"], place["lon"] = rounded_point(data.lat, data.lon, metres)
        place["precision"] = precision_of(metres).value
        return place, Placing("point", reason="the witness's own point")
    placing = place_name(data.where, org.country)
    return {**place, **placed_fields(placing)}, placing
