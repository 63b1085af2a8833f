"""What partners' tools send besides Vigil's own shape, read into Vigil's terms: a MISP event as
misp-stix writes it (a `report` or `grouping` with its attributes, objects and event reports),
OpenCTI's TLP markings and its locations named only by `name`.

Pure functions over the parsed JSON, like `import_mapping`, which uses them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from vigil.core.policy import TLP

# misp-stix labels the container of every MISP event it converts (MISP's own STIX export is
# misp-stix): a published event becomes a `report`, an unpublished one a `grouping`.
MISP_TOOL_LABEL = 'misp:tool="MISP-STIX-Converter"'
CONTAINER_TYPES = frozenset({"report", "grouping"})
# TLP words as TLP 1.0 `definition`s, TLP 2.0 extensions and OpenCTI's definitions write them.
TLP_WORDS = {
    "white": TLP.clear,
    "clear": TLP.clear,
    "green": TLP.green,
    "amber": TLP.amber,
    "amber+strict": TLP.amber_strict,
    "red": TLP.red,
}
# OpenCTI's location type (`x_opencti_location_type`, or `location_type` in its extension) of a
# location it names only by `name`.
OPENCTI_EXTENSION_ID = "extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba"
OPENCTI_CITY = "city"
OPENCTI_COUNTRY = "country"
# OpenCTI's incident severities (its `incident_severity_ov`) as the CAP words Vigil keeps.
SEVERITY = {"critical": "extreme", "high": "severe", "medium": "moderate", "low": "minor"}


def severity(value: Any) -> str:
    """An incident's `severity` as OpenCTI writes it, in Vigil's words; unknown otherwise."""
    return SEVERITY.get(str(value).strip().lower(), "unknown") if value else "unknown"


def tlp_word(value: Any) -> TLP | None:
    """`amber`, `AMBER`, `TLP:AMBER` ... as a level; None for anything else (`TLP:TEST`)."""
    if not isinstance(value, str):
        return None
    return TLP_WORDS.get(value.strip().lower().removeprefix("tlp:"))


def definition_tlp(obj: Mapping[str, Any]) -> TLP | None:
    """The TLP of a marking-definition by what it says: a TLP 1.0 `definition` (any case, as
    OpenCTI writes `"definition_type": "TLP", "definition": {"TLP": "TLP:WHITE"}`), or
    OpenCTI's `x_opencti_definition` (its TLP:AMBER+STRICT is a statement marking)."""
    definition = obj.get("definition")
    if str(obj.get("definition_type", "")).lower() == "tlp" and isinstance(definition, dict):
        words = {str(k).lower(): v for k, v in definition.items()}
        if (level := tlp_word(words.get("tlp"))) is not None:
            return level
    if str(obj.get("x_opencti_definition_type", "")).lower() == "tlp":
        return tlp_word(obj.get("x_opencti_definition"))
    return None


def custom_marking(obj: Mapping[str, Any]) -> bool:
    """A marking-definition of a type STIX does not define (OpenCTI's `TLP` in capitals, with
    `{"TLP": ...}`): STIX 2.1 only says the type SHOULD be `statement` or `tlp`."""
    kind = obj.get("definition_type")
    return isinstance(kind, str) and kind not in ("statement", "tlp")


def named_place(obj: Mapping[str, Any]) -> bool:
    """A location that names its place only by `name` (OpenCTI writes cities, countries and
    regions so): STIX wants a region, a country or a point, Vigil reads the name."""
    return isinstance(obj.get("name"), str) and bool(obj["name"].strip())


def is_event(obj: Mapping[str, Any]) -> bool:
    """A MISP event as misp-stix writes it: a `report` or `grouping` it labelled."""
    labels = obj.get("labels")
    return (
        obj.get("type") in CONTAINER_TYPES
        and isinstance(labels, list)
        and MISP_TOOL_LABEL in labels
    )


def event_contents(obj: Mapping[str, Any]) -> list[str]:
    refs = obj.get("object_refs")
    return [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []


def holds_incident(obj: Mapping[str, Any]) -> bool:
    """An event that carries an incident is a wrapper: the incident is imported, not it."""
    return any(ref.startswith("incident--") for ref in event_contents(obj))


def event_location_ref(obj: Mapping[str, Any]) -> str | None:
    """The place of a MISP event: its first location (a geolocation object)."""
    return next((r for r in event_contents(obj) if r.startswith("location--")), None)


def _location_type(location: Mapping[str, Any]) -> str:
    extension = (location.get("extensions") or {}).get(OPENCTI_EXTENSION_ID) or {}
    kind = location.get("x_opencti_location_type") or extension.get("location_type") or ""
    return str(kind).strip().lower()


def named_parts(location: Mapping[str, Any]) -> tuple[str, str]:
    """(city, country name) of a location OpenCTI names by `name` and type."""
    name = str(location.get("name") or "").strip()
    kind = _location_type(location)
    return (name if kind == OPENCTI_CITY else "", name if kind == OPENCTI_COUNTRY else "")


def place_parts(
    location: Mapping[str, Any] | None, parent: Mapping[str, Any] | None
) -> tuple[str, Any, Any, Any]:
    """(city, country, latitude, longitude) of a location, its country from the location it is
    located at when it names none (OpenCTI's city located-at its country)."""
    if not location:
        return "", None, None, None
    named_city, named_country = named_parts(location)
    city = str(location.get("city") or named_city)
    country = location.get("country") or named_country
    if not country and parent:
        country = parent.get("country") or named_parts(parent)[1]
    return city, country, location.get("latitude"), location.get("longitude")


def event_narrative(obj: Mapping[str, Any], notes: Iterable[Mapping[str, Any]]) -> str:
    """The event's `description`, else the text of its event reports (notes about it), in
    bundle order."""
    if isinstance(obj.get("description"), str) and obj["description"].strip():
        return str(obj["description"])
    texts = [str(n.get("content") or "").strip() for n in notes]
    return "\n\n".join(t for t in texts if t)
