"""Reading the compose form into `AlertCreate`: the circle from three inputs, countries and
cities from comma-separated text, a polygon from "lat,lon" pairs, expiry as hours from now."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from starlette.datastructures import FormData

from vigil.alerts.schemas import AlertCreate, AreaChange
from vigil.core.errors import N_, Invalid
from vigil.core.pages import parse_form

EXPIRY_HOURS = (1, 2, 4, 8, 12, 24, 48, 72)
LIST_FIELDS = ("categories", "response_types", "site_types", "network_ids")
# Chosen on purpose every time: the form presets none of them (a preset sent Extreme alerts).
CAP_CHOICES = ("urgency", "severity", "certainty")
# Each refusal whole, for the translator, rather than "choose the %(field)s".
CHOICE_MISSING = {
    "urgency": N_("choose the urgency"),
    "severity": N_("choose the severity"),
    "certainty": N_("choose the certainty"),
}
# What the page posts besides the alert: the step of sending, and its CSRF token.
NOT_ALERT_FIELDS = ("step", "csrf_token")


def form_values(form: FormData) -> dict[str, Any]:
    """The form as the page shows it again after an error, or carries it through the
    confirmation step."""
    values: dict[str, Any] = {
        k: str(v) for k, v in form.items() if k not in LIST_FIELDS and k not in NOT_ALERT_FIELDS
    }
    for name in LIST_FIELDS:
        values[name] = [str(v) for v in form.getlist(name)]
    return values


def carried_fields(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The form's values as (name, value) pairs for the hidden inputs of the confirmation step,
    so that sending, or going back to edit, loses nothing."""
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        pairs += [(name, str(v)) for v in value] if isinstance(value, list) else [(name, value)]
    return pairs


def send_key(values: dict[str, Any]) -> uuid.UUID:
    """The key of this composition, made when it is first reviewed and carried through the
    confirmation (and back to edit) in `values["send_key"]`: sending twice sends once."""
    try:
        key = uuid.UUID(hex=str(values.get("send_key", "")))
    except ValueError:
        key = uuid.uuid4()
    values["send_key"] = key.hex
    return key


def _missing_choices(values: dict[str, Any]) -> None:
    missing = [name for name in CAP_CHOICES if not str(values.get(name, "")).strip()]
    if missing:
        first, *rest = missing
        raise Invalid(first, CHOICE_MISSING[first], more=[(n, CHOICE_MISSING[n]) for n in rest])


def _number(values: dict[str, Any], name: str, field: str) -> float | None:
    text = str(values.get(name, "")).strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise Invalid(field, "%(text)s is not a number", text=repr(text)) from None


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.split(",") if w.strip()]


def alert_from_form(values: dict[str, Any]) -> AlertCreate:
    _missing_choices(values)
    lat = _number(values, "circle_lat", "circle.lat")
    lon = _number(values, "circle_lon", "circle.lon")
    radius = _number(values, "circle_radius_km", "circle.radius_km")
    circle = None
    if lat is not None or lon is not None:
        if lat is None or lon is None or radius is None:
            raise Invalid("circle", "give the centre (latitude and longitude) and the radius")
        circle = {"lat": lat, "lon": lon, "radius_km": radius}
    polygon = str(values.get("polygon", "")).strip()
    hours = int(_number(values, "expires_hours", "expires_hours") or 0)
    expires = (
        dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=hours)
        if hours > 0
        else None
    )
    return parse_form(
        AlertCreate,
        event=values.get("event", ""),
        categories=values.get("categories") or ["Security"],
        urgency=values.get("urgency", ""),
        severity=values.get("severity", ""),
        certainty=values.get("certainty", ""),
        response_types=values.get("response_types", []),
        headline=values.get("headline", ""),
        description=values.get("description", ""),
        instruction=values.get("instruction", ""),
        expires=expires,
        area_desc=values.get("area_desc", ""),
        circle=circle,
        polygons=[polygon] if polygon else [],
        countries=[c.upper() for c in _words(str(values.get("countries", "")))],
        cities=_words(str(values.get("cities", ""))),
        site_types=values.get("site_types", []),
        network_ids=[int(n) for n in values.get("network_ids", []) if str(n).isdigit()],
        status=values.get("status") or "Actual",
        tlp=values.get("tlp") or "amber+strict",
        incident_id=_incident(values),
    )


def _incident(values: dict[str, Any]) -> int | None:
    """The incident the alert is about (a hidden field set from the incident room)."""
    given = str(values.get("incident_id", "")).strip()
    if given and not given.isdigit():
        raise Invalid("incident_id", "the incident must be given by its number")
    return int(given) if given else None


_AREA_INPUTS = ("circle_lat", "circle_lon", "circle_radius_km", "countries", "cities", "polygon")


def area_from_form(values: dict[str, Any]) -> AreaChange | None:
    """The area a coordinator draws or picks on a draft; None when the form gives none (its
    description alone, filled in from the message, is not an area)."""
    if not any(str(values.get(k, "")).strip() for k in _AREA_INPUTS):
        return None
    circle = _circle(values)
    polygon = str(values.get("polygon", "")).strip()
    return parse_form(
        AreaChange,
        area_desc=str(values.get("area_desc", "")).strip() or None,
        circle=circle,
        polygons=[polygon] if polygon else [],
        countries=[c.upper() for c in _words(str(values.get("countries", "")))],
        cities=_words(str(values.get("cities", ""))),
    )


def _circle(values: dict[str, Any]) -> dict[str, float] | None:
    lat = _number(values, "circle_lat", "circle.lat")
    lon = _number(values, "circle_lon", "circle.lon")
    radius = _number(values, "circle_radius_km", "circle.radius_km")
    if lat is None and lon is None:
        return None
    if lat is None or lon is None or radius is None:
        raise Invalid("circle", "give the centre (latitude and longitude) and the radius")
    return {"lat": lat, "lon": lon, "radius_km": radius}
