"""Reading the incident pages' forms: local times with their zone, a place from typed words, a
picked candidate or a map pin, and the code lists, into the values the domain's schemas check.

The generic parts (local date-times, numbers) are `core.forms`; places and countries `geo.forms`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from typing import Any

from starlette.datastructures import FormData

from vigil.core.errors import Invalid
from vigil.core.forms import FALLBACK_ZONE, aware, local_input, number, whole_number
from vigil.core.policy import DEFAULT_TLP
from vigil.geo.forms import CANDIDATE_SEPARATOR, country_options
from vigil.incidents.queries import FIRST_YEAR, LAST_YEAR
from vigil.incidents.schemas import IncidentRead
from vigil.incidents.typology import (
    IHRA_INDICATORS,
    Bias,
    IncidentType,
    Precision,
    Severity,
    TargetKind,
)
from vigil.orgs.recipients import TLP_ORDER


@dataclass
class IncidentForm:
    """What the incident form holds, as typed; `values()` turns it into schema input."""

    title: str = ""
    narrative: str = ""
    occurred_from: str = ""
    occurred_to: str = ""
    timezone: str = ""
    address: str = ""
    city: str = ""
    country: str = ""
    lat: str = ""
    lon: str = ""
    precision: str = ""
    candidate: str = ""
    type: str = ""
    bias: list[str] = field(default_factory=list)
    ihra: list[str] = field(default_factory=list)
    target_kind: str = ""
    injuries: str = "0"
    damage: str = ""
    police_reported: bool = False
    police_reference: str = ""
    severity: str = "unknown"
    tlp: str = DEFAULT_TLP.value
    contact: str = ""
    status: str = ""

    @classmethod
    def from_form(cls, form: FormData) -> IncidentForm:
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in ("bias", "ihra"):
                values[f.name] = [v for v in form.getlist(f.name) if isinstance(v, str)]
            elif f.name == "police_reported":
                values[f.name] = bool(form.get(f.name))
            else:
                raw = form.get(f.name)
                values[f.name] = raw if isinstance(raw, str) else ""
        return cls(**values)

    @classmethod
    def from_incident(cls, incident: IncidentRead) -> IncidentForm:
        place = incident.place
        return cls(
            title=incident.title,
            narrative=incident.narrative,
            occurred_from=local_input(incident.occurred_from, incident.timezone),
            occurred_to=local_input(incident.occurred_to, incident.timezone),
            timezone=incident.timezone,
            address=place.address,
            city=place.city,
            country=place.country,
            lat="" if place.lat is None else f"{place.lat:.6f}",
            lon="" if place.lon is None else f"{place.lon:.6f}",
            precision=place.precision.value,
            type=incident.type.value,
            bias=[b.value for b in incident.bias],
            ihra=list(incident.ihra),
            target_kind=incident.target_kind.value if incident.target_kind else "",
            injuries=str(incident.injuries),
            damage=incident.damage,
            police_reported=incident.police_reported,
            police_reference=incident.police_reference,
            severity=incident.severity.value,
            tlp=incident.tlp.value,
            status=incident.status.value,
        )

    def with_zone(self, zone: str) -> IncidentForm:
        return self if self.timezone else replace(self, timezone=zone)

    def place(self) -> dict[str, Any]:
        """A map pin or typed coordinates are exact; a picked candidate is its city."""
        lat = number(self.lat, field_name="place.lat")
        lon = number(self.lon, field_name="place.lon")
        city, country = self.city.strip(), self.country.strip()
        precision = self.precision or ("exact" if lat is not None or lon is not None else "city")
        if lat is None and lon is None and self.candidate:
            parts = self.candidate.split(CANDIDATE_SEPARATOR, 3)
            if len(parts) != 4:
                raise Invalid("place", "choose one of the places offered")
            lat = number(parts[0], field_name="place")
            lon = number(parts[1], field_name="place")
            country = country or parts[2]
            city = city or parts[3]
            precision = "city" if parts[3] else "country"
        return {
            "lat": lat,
            "lon": lon,
            "address": self.address,
            "city": city,
            "country": country,
            "precision": precision,
        }

    def values(self) -> dict[str, Any]:
        """The fields of IncidentFields (and TLP), read; the schema checks them."""
        zone = self.timezone.strip() or FALLBACK_ZONE
        bias = [b for b in self.bias if b]
        return {
            "title": self.title,
            "narrative": self.narrative,
            "occurred_from": aware(self.occurred_from, zone, field_name="occurred_from")
            or self.occurred_from,
            "occurred_to": aware(self.occurred_to, zone, field_name="occurred_to"),
            "timezone": zone,
            "place": self.place(),
            "type": self.type,
            "bias": bias,
            # The indicators are shown only with antisemitism; hidden ticks do not count.
            "ihra": self.ihra if Bias.antisemitism.value in bias else [],
            "target_kind": self.target_kind or None,
            "injuries": whole_number(self.injuries, field_name="injuries"),
            "damage": self.damage,
            "police_reported": self.police_reported,
            "police_reference": self.police_reference.strip(),
            "severity": self.severity or "unknown",
            "tlp": self.tlp,
        }


def edited_values(form: IncidentForm, before: IncidentForm) -> dict[str, Any]:
    """The edit form's values, leaving out times it shows unchanged: a datetime-local input
    holds minutes, so sending them back would cut the seconds off a time nobody touched."""
    values = form.values()
    if form.timezone.strip() == before.timezone:
        for name in ("occurred_from", "occurred_to"):
            if getattr(form, name).strip() == getattr(before, name):
                values.pop(name)
    return values


def map_points(incidents: list[IncidentRead]) -> list[dict[str, Any]]:
    """What the map script draws: the incidents that have a point, with a link to each."""
    return [
        {
            "id": i.id,
            "lat": i.place.lat,
            "lon": i.place.lon,
            "title": i.title,
            "url": f"/incidents/{i.id}",
        }
        for i in incidents
        if i.place.lat is not None and i.place.lon is not None
    ]


def choices() -> dict[str, Any]:
    """The codes the incident form offers, in DOMAIN.md's order."""
    return {
        "types": [t.value for t in IncidentType],
        "biases": [b.value for b in Bias],
        "ihra": list(IHRA_INDICATORS),
        "target_kinds": [k.value for k in TargetKind],
        "severities": [s.value for s in Severity],
        "precisions": [p.value for p in Precision],
        "tlps": [t.value for t in TLP_ORDER],
        "countries": country_options(),
    }


def filter_day(value: str, field_name: str) -> dt.date | None:
    """A day typed into a list's or the statistics' date filter, within the years the database
    can store (year 1 or 9999 overflowed PostgreSQL's arithmetic on the exports)."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(field_name, "enter a date such as 2026-05-01") from exc
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid(
            field_name,
            "enter a date between %(first)s and %(last)s",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        )
    return day
