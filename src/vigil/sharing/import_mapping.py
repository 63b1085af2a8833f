"""STIX 2.1 objects read back into Vigil's terms: the quick checks every object of a bundle
passes, the references it makes, its TLP, and an `incident` (with its `location`) as the fields
of a Vigil incident.

Pure functions over the parsed JSON, so that a 100,000-object bundle is checked in one pass:
every object gets the cheap structural checks (type, id, spec_version, timestamps), and only
the objects Vigil turns into records or reads for them go through `stix2.parse`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pycountry
import stix2
from pydantic import BaseModel
from stix2.exceptions import PropertyPresenceError, STIXError

from vigil.core.policy import TLP
from vigil.incidents.schemas import IncidentFields, Place
from vigil.incidents.typology import Precision, Status
from vigil.sharing import import_shapes as shapes
from vigil.sharing.extension import VIGIL_EXTENSION_ID
from vigil.sharing.markings import TLP2_EXTENSION_ID, tlp_of_marking

STIX_ID = re.compile(
    r"^(?P<type>[a-z0-9][a-z0-9-]{0,248})--"
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
# Cyber-observable types: they carry no created/modified, and spec_version is optional.
SCO_TYPES = frozenset(
    {
        *("artifact", "autonomous-system", "directory", "domain-name", "email-addr"),
        *("email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex"),
        *("network-traffic", "process", "software", "url", "user-account"),
        *("windows-registry-key", "x509-certificate"),
    }
)
# Types Vigil reads to make records, checked in full by `stix2.parse`.
READ_TYPES = frozenset({"incident", "location", "identity", "relationship", "marking-definition"})
# Relationships that place an incident (or a city, at its country): OpenCTI says an incident
# `targets` a location.
PLACING = frozenset({"located-at", "targets"})
TLP_STRICTNESS = list(TLP)  # strictest first
TITLE_LENGTH = 300
NARRATIVE_LENGTH = 20000
# Statuses a sender's incident keeps here; a merged or rejected one, or a revoked object, is
# kept as rejected: it no longer counts, and its partner copy has nothing to merge into.
KEPT_STATUSES = frozenset({Status.new, Status.triaged, Status.verified, Status.closed})
KEPT_VALUES = frozenset(s.value for s in KEPT_STATUSES)


class Problem(BaseModel):
    """What is wrong with a bundle, at which object (its index in `objects`) and property."""

    index: int | None = None
    stix_id: str | None = None
    field: str | None = None
    message: str


def moment(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def version_of(obj: Mapping[str, Any]) -> dt.datetime | None:
    """Which version of the object this is: `modified`, else `created` (markings), else None."""
    stamp = obj.get("modified") or obj.get("created")
    return moment(stamp) if isinstance(stamp, str) else None


def becomes_incident(obj: Mapping[str, Any]) -> bool:
    """An incident, or a MISP event that carries none (misp-stix's report or grouping)."""
    if obj.get("type") == "incident":
        return True
    return shapes.is_event(obj) and not shapes.holds_incident(obj)


def reads(obj: Mapping[str, Any]) -> bool:
    """Whether Vigil reads the object to make records (checked in full), rather than keeping
    it raw; of relationships, those that place an incident."""
    if obj.get("type") == "relationship":
        return obj.get("relationship_type") in PLACING
    return obj.get("type") in READ_TYPES or becomes_incident(obj)


def _parse_problem(obj: Mapping[str, Any]) -> str | None:
    """What `stix2.parse` finds wrong, short of what partners' tools are known to send and
    Vigil reads anyway: a marking of a type STIX does not define, a location named only by
    its `name` (OpenCTI)."""
    if obj["type"] == "marking-definition" and shapes.custom_marking(obj):
        return None
    try:
        stix2.parse(dict(obj), allow_custom=True)
    except PropertyPresenceError as exc:
        if obj["type"] == "location" and shapes.named_place(obj):
            return None
        return f"is not valid STIX 2.1: {exc}"
    except (STIXError, ValueError) as exc:
        return f"is not valid STIX 2.1: {exc}"
    return None


def _read_property_problems(stix_type: str, obj: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(property, message) for each property Vigil reads that is missing or of a wrong kind:
    the checks of an object that is not parsed in full (incident fields are validated when
    they are read)."""
    wanted: dict[str, tuple[str, ...]] = {
        "incident": ("name",),
        "identity": ("name",),
        "relationship": ("relationship_type", "source_ref", "target_ref"),
    }
    problems = []
    for field in wanted.get(stix_type, ()):
        value = obj.get(field)
        if not isinstance(value, str) or not value:
            problems.append((field, "is missing" if value is None else "is not a string"))
        elif field.endswith("_ref") and not STIX_ID.match(value):
            problems.append((field, "is not a STIX id (type--UUID)"))
    return problems


def object_problems(index: int, obj: Any, *, thorough: bool = True) -> list[Problem]:
    """The quick checks of one object: a dict with a type, an id of that type, spec_version
    2.1 and STIX timestamps. An object Vigil only keeps may leave out spec_version and its
    timestamps (OpenCTI's exports mix such objects in); one it reads may not. The objects
    Vigil reads are parsed by `stix2` in full when `thorough`, else only the properties Vigil
    reads are checked (a peer's pull, where `stix2.parse` would cost most of the time)."""
    if not isinstance(obj, dict):
        return [Problem(index=index, message="is not a JSON object")]
    stix_type, stix_id = obj.get("type"), obj.get("id")
    if not isinstance(stix_type, str) or not stix_type:
        return [Problem(index=index, field="type", message="is missing")]
    if not isinstance(stix_id, str) or not (found := STIX_ID.match(stix_id)):
        return [Problem(index=index, field="id", message="is not a STIX id (type--UUID)")]

    def problem(field: str | None, message: str) -> Problem:
        return Problem(index=index, stix_id=stix_id, field=field, message=message)

    if found["type"] != stix_type:
        return [problem("id", f"names the type '{found['type']}' but the object is a {stix_type}")]
    read = reads(obj)
    spec_version = obj.get("spec_version")
    if spec_version is None and read:
        return [problem("spec_version", "is missing (a STIX 2.0 object?); Vigil reads STIX 2.1")]
    if spec_version is not None and spec_version != "2.1":
        return [problem("spec_version", f"is '{spec_version}'; Vigil reads STIX 2.1")]
    problems = []
    stamps = ("created",) if stix_type == "marking-definition" else ("created", "modified")
    for field in stamps if stix_type not in SCO_TYPES else ():
        value = obj.get(field)
        if value is None and not read:
            continue
        if not isinstance(value, str) or not TIMESTAMP.match(value):
            message = "is missing" if value is None else "is not a STIX timestamp (…T…Z)"
            problems.append(problem(field, message))
    # The TLP markings are known by their fixed ids; their content is not read (some tools
    # write TLP 1.0 ones with `definition_type: "TLP"`).
    if not problems and not thorough:
        problems += [problem(f, m) for f, m in _read_property_problems(stix_type, obj)]
    elif (
        not problems
        and read
        and tlp_of_marking(stix_id) is None
        and (invalid := _parse_problem(obj)) is not None
    ):
        problems.append(problem(None, invalid))
    return problems


def _refs_in(properties: Mapping[str, Any], path: str) -> Iterator[tuple[str, str]]:
    for key, value in properties.items():
        if key.endswith("_ref") and isinstance(value, str):
            yield f"{path}{key}", value
        elif key.endswith("_refs") and isinstance(value, list):
            yield from ((f"{path}{key}", v) for v in value if isinstance(v, str))


def references(obj: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(property, id) of every reference the object makes, its extensions' and granular
    markings' included; an extension's key is a definition id, not a reference."""
    yield from _refs_in(obj, "")
    yield from _granular_markings(obj)
    extensions = obj.get("extensions")
    if isinstance(extensions, dict):
        for name, extension in extensions.items():
            if isinstance(extension, dict):
                yield from _refs_in(extension, f"extensions.{name}.")


def _granular_markings(obj: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for marking in obj.get("granular_markings") or ():
        if isinstance(marking, dict) and isinstance(marking.get("marking_ref"), str):
            yield "granular_markings.marking_ref", marking["marking_ref"]


def followed_references(obj: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The references that must resolve: all of an object Vigil reads; of one it only keeps,
    its markings (they decide who reads it here). A kept object may name objects its sender
    did not send (an excerpt of a larger graph): it is kept as it came."""
    if reads(obj):
        yield from references(obj)
        return
    refs = obj.get("object_marking_refs")
    if isinstance(refs, list):
        yield from (("object_marking_refs", r) for r in refs if isinstance(r, str))
    yield from _granular_markings(obj)


def marking_tlp(obj: Mapping[str, Any]) -> TLP | None:
    """The TLP level a marking-definition stands for: by its id (TLP 1.0 or 2.0), a TLP 1.0
    `definition` (also OpenCTI's), OpenCTI's `x_opencti_definition`, or the TLP 2.0
    extension; None for any other marking (statements, `TLP:TEST`...)."""
    known = tlp_of_marking(str(obj.get("id")))
    if known is not None:
        return known
    if (level := shapes.definition_tlp(obj)) is not None:
        return level
    extension = (obj.get("extensions") or {}).get(TLP2_EXTENSION_ID)
    if isinstance(extension, dict):
        return shapes.tlp_word(extension.get("tlp_2_0"))
    return None


def object_tlp(obj: Mapping[str, Any], tlp_of: Mapping[str, TLP]) -> TLP | None:
    """The strictest TLP among the object's markings (object and granular); None if unmarked."""
    marked = obj.get("object_marking_refs")
    if not obj.get("granular_markings") and isinstance(marked, list) and len(marked) == 1:
        return tlp_of.get(marked[0]) if isinstance(marked[0], str) else None  # the usual case
    refs = list(marked or ())
    refs += [
        m.get("marking_ref") for m in obj.get("granular_markings") or () if isinstance(m, dict)
    ]
    levels = [tlp_of[r] for r in refs if isinstance(r, str) and r in tlp_of]
    return min(levels, key=TLP_STRICTNESS.index) if levels else None


def country_code(value: Any) -> str:
    """An ISO 3166-1 alpha-2 code from a STIX country (a code, or a name some tools send)."""
    if not isinstance(value, str) or not value.strip():
        return ""
    return _country_code(value.strip())


@functools.lru_cache(maxsize=1024)
def _country_code(text: str) -> str:
    found = pycountry.countries.get(alpha_2=text.upper()) if len(text) == 2 else None
    if found is None:
        try:
            found = pycountry.countries.lookup(text)
        except LookupError:
            return ""
    return str(found.alpha_2)


def place_of(location: Mapping[str, Any] | None, parent: Mapping[str, Any] | None = None) -> Place:
    """A STIX location as an incident's place: a point is exact, else city, else country.
    OpenCTI's locations named by `name` count by their type (city, country); a city without a
    country takes the one of the location it is located at."""
    if not location:
        return Place()
    city, country_value, lat, lon = shapes.place_parts(location, parent)
    city, country = city[:200], country_code(country_value)
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        return Place(lat=lat, lon=lon, city=city, country=country, precision=Precision.exact)
    precision = Precision.city if city else Precision.country
    return Place(city=city, country=country, precision=precision)


def _shortened(text: str, length: int) -> str:
    text = text.strip()
    return text if len(text) <= length else text[: length - 1] + "…"


def incident_fields(
    obj: Mapping[str, Any],
    location: Mapping[str, Any] | None,
    parent: Mapping[str, Any] | None = None,
) -> IncidentFields:
    """A STIX incident (with the Vigil extension when its sender is a Vigil instance) as the
    fields of an incident; raises pydantic's ValidationError naming the wrong field.

    Without the extension, the incident is of type `other` and happened at its `first_seen`
    (OpenCTI's, until its `last_seen`), else when it was created; OpenCTI's `severity` counts."""
    extension = (obj.get("extensions") or {}).get(VIGIL_EXTENSION_ID) or {}
    first, last = obj.get("first_seen"), obj.get("last_seen")
    data: dict[str, Any] = {
        "title": _shortened(str(obj.get("name", "")), TITLE_LENGTH),
        "narrative": _shortened(str(obj.get("description", "")), NARRATIVE_LENGTH),
        "occurred_from": extension.get("occurred_from") or first or obj.get("created"),
        "occurred_to": extension.get("occurred_to") or (last if first and last != first else None),
        "place": place_of(location, parent),
        "type": extension.get("incident_type", "other"),
        "bias": extension.get("bias", []),
        "ihra": extension.get("ihra_indicators", []),
        "target_kind": extension.get("target_kind"),
        "severity": extension.get("severity") or shapes.severity(obj.get("severity")),
    }
    return IncidentFields.model_validate(data)


def incident_status(obj: Mapping[str, Any]) -> Status:
    """The sender's status where it is one Vigil keeps; rejected once revoked."""
    if obj.get("revoked") is True:
        return Status.rejected
    extension = (obj.get("extensions") or {}).get(VIGIL_EXTENSION_ID) or {}
    given = extension.get("status")
    if given in KEPT_VALUES:
        return Status(given)
    if given in (Status.merged.value, Status.rejected.value):
        return Status.rejected
    return Status.triaged


def location_ref(obj: Mapping[str, Any]) -> str | None:
    extension = (obj.get("extensions") or {}).get(VIGIL_EXTENSION_ID) or {}
    ref = extension.get("location_ref")
    return ref if isinstance(ref, str) else None


def event_fields(
    obj: Mapping[str, Any],
    location: Mapping[str, Any] | None,
    notes: Sequence[Mapping[str, Any]],
) -> IncidentFields:
    """A MISP event (a misp-stix `report` or `grouping`) as an incident's fields: `name` (MISP's
    info) -> title; its `description`, else its event reports -> narrative; `published` (else
    `created`) -> when it happened; its first location -> place; type `other`."""
    data: dict[str, Any] = {
        "title": _shortened(str(obj.get("name", "")), TITLE_LENGTH),
        "narrative": _shortened(shapes.event_narrative(obj, notes), NARRATIVE_LENGTH),
        "occurred_from": obj.get("published") or obj.get("created"),
        "place": place_of(location),
        "type": "other",
    }
    return IncidentFields.model_validate(data)
