"""Reading the site pages' forms into schema input: a point from the map pin, typed
coordinates, a place picked from the offline lookup, or (last) the typed address or city.

The generic pieces (numbers, the picked place, time zones, map home) are the incident pages'
and imported from there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from vigil.core.errors import Invalid
from vigil.core.forms import aware, number, whole_number
from vigil.core.policy import DEFAULT_TLP
from vigil.core.validation_messages import problem_of
from vigil.geo.forms import CANDIDATE_SEPARATOR, country_options
from vigil.geo.geocoding import geocode, pick
from vigil.orgs.recipients import TLP_ORDER
from vigil.sites.kinds import Recurrence, SiteType
from vigil.sites.schemas import ContactWrite, SiteRead

CONTACT_ROWS_EXTRA = 2
RADIUS_CHOICES_KM = (0.5, 1.0, 2.0, 5.0, 10.0)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@dataclass
class SiteForm:
    name: str = ""
    type: str = ""
    address: str = ""
    city: str = ""
    country: str = ""
    lat: str = ""
    lon: str = ""
    candidate: str = ""
    perimeter: str = ""
    capacity: str = "0"
    typical_attendance: str = "0"
    opening_pattern: str = ""
    tlp: str = DEFAULT_TLP.value

    @classmethod
    def from_form(cls, form: FormData) -> SiteForm:
        return cls(**{f.name: _text(form, f.name) for f in fields(cls)})

    @classmethod
    def from_site(cls, site: SiteRead) -> SiteForm:
        return cls(
            name=site.name,
            type=site.type.value,
            address=site.address,
            city=site.city,
            country=site.country,
            lat=f"{site.lat:.6f}",
            lon=f"{site.lon:.6f}",
            perimeter=json.dumps(site.perimeter) if site.perimeter else "",
            capacity=str(site.capacity),
            typical_attendance=str(site.typical_attendance),
            opening_pattern=site.opening_pattern,
            tlp=site.tlp.value,
        )

    def point(self) -> tuple[float, float, str, str]:
        """(lat, lon, country, city): the pin or typed point, else the picked or found place."""
        lat = number(self.lat, field_name="lat")
        lon = number(self.lon, field_name="lon")
        city, country = self.city.strip(), self.country.strip()
        if lat is not None and lon is not None:
            return lat, lon, country, city
        if (lat is None) != (lon is None):
            raise Invalid("lon" if lat is not None else "lat", "give both latitude and longitude")
        if self.candidate:
            parts = self.candidate.split(CANDIDATE_SEPARATOR, 3)
            if len(parts) != 4:
                raise Invalid("place", "choose one of the places offered")
            lat = number(parts[0], field_name="place")
            lon = number(parts[1], field_name="place")
            if lat is not None and lon is not None:
                return lat, lon, country or parts[2], city or parts[3]
        query = ", ".join(p for p in (self.address.strip(), city) if p)
        found = geocode(query, country=country or None, limit=1) if query else []
        best = pick(found, country=country or None)
        if best is None:
            raise Invalid(
                "lat", "set the point: tap the map, type coordinates, or find the place by name"
            )
        return best.lat, best.lon, country or best.country, city or (best.city or "")

    def values(self) -> dict[str, Any]:
        lat, lon, country, city = self.point()
        return {
            "name": self.name,
            "type": self.type,
            "address": self.address,
            "city": city,
            "country": country,
            "lat": lat,
            "lon": lon,
            "perimeter": self.perimeter.strip() or None,
            "capacity": whole_number(self.capacity, field_name="capacity"),
            "typical_attendance": whole_number(
                self.typical_attendance, field_name="typical_attendance"
            ),
            "opening_pattern": self.opening_pattern,
            "tlp": self.tlp,
        }


def contacts_from_form(form: FormData) -> list[ContactWrite]:
    """Rows of the contacts form in order; a row with nothing typed is left out."""
    names = form.getlist("contact_name")
    found: list[ContactWrite] = []
    for index in range(len(names)):
        row = {
            key: _cell(form, f"contact_{key}", index) for key in ("name", "role", "email", "phone")
        }
        if not any(row.values()):
            continue
        try:
            found.append(ContactWrite.model_validate({**row, "email": row["email"] or None}))
        except ValidationError as exc:
            field, reason, values = problem_of(exc.errors()[0])
            where = f"contacts.{len(found)}.{field if field != 'body' else 'name'}"
            raise Invalid(where, reason, **values) from exc
    return found


def _cell(form: FormData, name: str, index: int) -> str:
    values = form.getlist(name)
    value = values[index] if index < len(values) else ""
    return value.strip() if isinstance(value, str) else ""


def event_values(form: FormData) -> dict[str, Any]:
    zone = _text(form, "timezone").strip() or "UTC"
    return {
        "name": _text(form, "name"),
        "starts_at": aware(_text(form, "starts_at"), zone, field_name="starts_at")
        or _text(form, "starts_at"),
        "ends_at": aware(_text(form, "ends_at"), zone, field_name="ends_at")
        or _text(form, "ends_at"),
        "timezone": zone,
        "recurrence": _text(form, "recurrence") or Recurrence.none.value,
        "expected_attendance": whole_number(
            _text(form, "expected_attendance"), field_name="expected_attendance"
        ),
    }


def choices() -> dict[str, Any]:
    return {
        "types": [t.value for t in SiteType],
        "tlps": [t.value for t in TLP_ORDER],
        "countries": country_options(),
        "recurrences": [r.value for r in Recurrence],
        "radii": RADIUS_CHOICES_KM,
    }
