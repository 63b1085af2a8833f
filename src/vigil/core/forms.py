"""Reading HTML forms, what every domain's pages share: the parsed form of a sync route, local
date-times with their zone, numbers typed with a comma or a point.

Browsers send a date-time without a zone (`<input type="datetime-local">`); the zone comes from
the form (filled in by the browser's script, or typed), else from a country (`geo.forms`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Request
from pydantic import AfterValidator
from starlette.datastructures import FormData

from vigil.core.errors import Invalid

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
FALLBACK_ZONE = "UTC"


async def read_form(request: Request) -> FormData:
    """The parsed form of a sync route (Starlette caches it; the CSRF check already read it)."""
    return await request.form()


FormDataDep = Annotated[FormData, Depends(read_form)]


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, e.g. "Africa"
        return False
    return bool(name)


def zone_or_utc(name: str) -> dt.tzinfo:
    """The IANA zone of that name, or UTC when the name is none (empty, unknown, a folder)."""
    return ZoneInfo(name) if valid_zone(name) else dt.UTC


def check_zone(value: str) -> str:
    if not valid_zone(value):
        raise ValueError(f"'{value}' is not an IANA time zone such as Europe/Prague")
    return value


# An IANA zone name in a schema (an incident's or an event's times are shown in it).
ZoneName = Annotated[str, AfterValidator(check_zone)]


def aware(value: str, zone: str, *, field_name: str) -> dt.datetime | None:
    """A browser's local date-time read in `zone`; None when empty."""
    value = value.strip()
    if not value:
        return None
    try:
        local = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(field_name, "enter a date and a time, e.g. 2026-05-01 18:30") from exc
    if local.tzinfo is not None:
        return local
    if not valid_zone(zone):
        raise Invalid(
            "timezone", "'%(zone)s' is not an IANA time zone such as Europe/Prague", zone=zone
        )
    return local.replace(tzinfo=ZoneInfo(zone))


def local_input(value: dt.datetime | None, zone: str) -> str:
    """The value of a datetime-local input showing `value` in `zone`."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(ZoneInfo(zone) if valid_zone(zone) else dt.UTC).strftime(
        LOCAL_INPUT_FORMAT
    )


def moment(value: Any) -> dt.datetime | None:
    """A time stored in a record's JSON (ISO 8601), for showing."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def number(value: str, *, field_name: str) -> float | None:
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        parsed = float(value)
    except ValueError as exc:
        raise Invalid(field_name, "must be a number") from exc
    if not math.isfinite(parsed):
        raise Invalid(field_name, "must be a finite number")
    return parsed


def whole_number(value: str, *, field_name: str, default: int = 0) -> int:
    value = value.strip().lstrip("#")
    if not value:
        return default
    if not value.isdigit() or len(value) > 10:
        raise Invalid(field_name, "must be a whole number")
    return int(value)
