"""What a CAP message carries beyond the alert's own columns, kept as typed JSON (`cap_details`).

The columns hold what Vigil works with (the first `info` block's words and scales, the target
area). Everything else an imported message said is kept here so that a relay loses nothing: the
rest of the first `info` block (audience, event codes, onset, sender name, web, contact,
parameters, resources, its areas with every geocode), every further `info` block (one per
language, or per event), the message's source, codes, note, incidents, its signatures verbatim,
and the references Vigil could not match. A composed alert keeps its translations here too,
and the blocks added for its recipients' languages when it is sent (alerts.languages).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vigil.alerts.cap import Area, Circle, Info, Resource, Text, ValuePair
from vigil.alerts.cap_versions import CapVersion
from vigil.alerts.models import Alert

SignatureStatus = Literal["verified", "unverified"]


class InfoExtras(BaseModel):
    """The first `info` block's elements that have no column of their own."""

    model_config = ConfigDict(extra="forbid")

    audience: Text | None = None
    event_code: list[ValuePair] = Field(default_factory=list)
    onset: dt.datetime | None = None
    sender_name: Text | None = None
    web: Text | None = None
    contact: Text | None = None
    parameter: list[ValuePair] = Field(default_factory=list)
    resource: list[Resource] = Field(default_factory=list)
    area: list[Area] = Field(default_factory=list, description="The areas as received.")

    @classmethod
    def of(cls, info: Info) -> InfoExtras:
        return cls.model_validate(info.model_dump(include=set(cls.model_fields)))


class FeedSource(BaseModel):
    """The subscribed feed a message came from, and where its document was (kept when the
    subscription is removed)."""

    name: str
    url: str
    document_url: str = ""


class CapDetails(BaseModel):
    """The rest of an alert's CAP message (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    version: CapVersion | None = Field(
        None, description="CAP version of the imported document; None for a composed alert."
    )
    source: Text | None = None
    restriction: Text | None = None
    addresses: Text | None = None
    code: list[str] = Field(default_factory=list)
    note: Text | None = None
    incidents: Text | None = None
    signatures: list[str] = Field(default_factory=list, description="XML signatures, verbatim.")
    signed_by: str | None = Field(
        None, description="Subject of the configured certificate a signature verified with."
    )
    first: InfoExtras = Field(default_factory=InfoExtras)
    more_info: list[Info] = Field(default_factory=list)
    unknown_references: list[str] = Field(default_factory=list)
    feed: FeedSource | None = Field(None, description="The CAP feed the message came from.")
    area_from_target: bool = Field(
        False,
        description="The CAP areas are Vigil's target area (drawn, picked or taken from the "
        "original), not the areas as received.",
    )

    @property
    def signature_status(self) -> SignatureStatus | None:
        if not self.signatures:
            return None
        return "verified" if self.signed_by else "unverified"


def details_of(alert: Alert) -> CapDetails:
    if not alert.cap_details:
        return CapDetails()
    return CapDetails.model_validate_json(alert.cap_details)


def store(alert: Alert, details: CapDetails) -> None:
    alert.cap_details = details.model_dump_json(exclude_defaults=True)


def languages(alert: Alert) -> list[str]:
    """Every language the alert speaks, its own first."""
    found = [alert.language]
    for block in details_of(alert).more_info:
        if block.language not in found:
            found.append(block.language)
    return found


def latest_expiry(alert: Alert) -> dt.datetime | None:
    """When the last of its info blocks expires; None while one of them never does."""
    ends = [alert.expires, *(b.expires for b in details_of(alert).more_info)]
    if any(end is None for end in ends):
        return None
    return max(end for end in ends if end is not None)


def target_area(alert: Alert, *, geocodes: list[ValuePair]) -> Area:
    """The area Vigil targets, as a CAP area: its circle, polygons, countries (ISO 3166-1
    geocodes), cities, and any geocodes the message received for it."""
    found = [ValuePair(value_name="ISO3166-1", value=c) for c in json.loads(alert.countries)]
    found += [ValuePair(value_name="city", value=c) for c in json.loads(alert.cities)]
    circle = _circle(alert)
    return Area.model_validate(
        {
            "areaDesc": alert.area_desc,
            "polygon": json.loads(alert.polygons),
            "circle": [circle] if circle else [],
            "geocode": [*found, *(g for g in geocodes if g not in found)],
        }
    )


def areas_for(alert: Alert, received: list[Area], details: CapDetails) -> list[Area]:
    """The areas of one info block in the CAP Vigil writes: as received, unless Vigil's
    target replaced them (then the received geocodes go with it)."""
    if received and not details.area_from_target:
        return received
    return [target_area(alert, geocodes=[g for a in received for g in a.geocodes])]


def _circle(alert: Alert) -> Circle | None:
    if alert.circle_lat is None or alert.circle_lon is None or alert.circle_radius_km is None:
        return None
    return Circle(lat=alert.circle_lat, lon=alert.circle_lon, radius_km=alert.circle_radius_km)


_TEXTS = ("headline", "description", "instruction")
_ALL_BLOCKS = ("urgency", "severity", "certainty", "expires")


def follow_change(details: CapDetails, *, language: str, changed: dict[str, Any]) -> CapDetails:
    """An Update's changes carried to every further info block: scales, response and expiry
    apply to all; changed words apply to the blocks in the alert's language, and the blocks in
    other languages are dropped rather than left saying what is no longer true."""
    texts = {k: v for k, v in changed.items() if k in _TEXTS}
    update = {k: v for k, v in changed.items() if k in _ALL_BLOCKS}
    if "response_types" in changed:
        update["response_type"] = changed["response_types"]
    blocks = [b for b in details.more_info if not texts or b.language == language]
    return details.model_copy(
        update={"more_info": [b.model_copy(update={**update, **texts}) for b in blocks]}
    )
