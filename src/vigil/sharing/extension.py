"""Vigil's STIX property extension for incidents, published as an `extension-definition`.

The STIX 2.1 `incident` is a stub (a name and a description); the typology partners need to
count and filter (type, bias, IHRA indicators, target kind, severity, status, when it happened)
travels in this extension. Its id and its author (the Vigil project's identity) are the same on
every Vigil instance, so that one instance's import recognises another's export.
"""

from __future__ import annotations

from typing import Any

from vigil.core.policy import TLP
from vigil.sharing.markings import marking_for

VIGIL_IDENTITY_ID = "identity--f5a8bdf5-d44d-46ae-9801-ce52be6cac28"
VIGIL_EXTENSION_ID = "extension-definition--177eea76-77b4-4d8d-a0cd-24a3527409e0"
# When version 1.0.0 of the extension was defined; a new version gets a new date.
EXTENSION_CREATED = "2026-12-10T00:00:00.000Z"
EXTENSION_VERSION = "1.0.0"

EXTENSION_SCHEMA = """\
Vigil incident typology, a property extension of the STIX 2.1 incident object.
Properties (all optional except extension_type; codes as in Vigil's DOMAIN.md):
- extension_type: "property-extension".
- incident_type: one of extreme_violence, assault, damage, threat, abusive_behaviour,
  literature, hostile_reconnaissance, suspicious_item, intrusion, cyber, other.
- bias: list of OSCE/ODIHR bias motivation codes: racism_xenophobia, anti_roma,
  antisemitism, anti_muslim, anti_christian, anti_other_religion,
  sexual_orientation_gender_identity, gender, disability, other, unknown.
- ihra_indicators: list of IHRA working-definition indicator codes ihra.1 ... ihra.11.
- target_kind: person, property, institution or online.
- severity: extreme, severe, moderate, minor or unknown (the CAP 1.2 words).
- status: new, triaged, verified, closed, rejected or merged.
- occurred_from, occurred_to: STIX timestamps of when the incident happened.
- location_ref: the id of the location object of the incident's place.
"""


def vigil_identity() -> dict[str, Any]:
    """The Vigil project as the author of the extension (not an organisation of this instance)."""
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": VIGIL_IDENTITY_ID,
        "created": EXTENSION_CREATED,
        "modified": EXTENSION_CREATED,
        "name": "Vigil",
        "description": "The open-source Vigil platform for protecting soft targets together.",
        "identity_class": "system",
        "object_marking_refs": [marking_for(TLP.clear)],
    }


def extension_definition() -> dict[str, Any]:
    """The published definition of the Vigil incident extension."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": VIGIL_EXTENSION_ID,
        "created_by_ref": VIGIL_IDENTITY_ID,
        "created": EXTENSION_CREATED,
        "modified": EXTENSION_CREATED,
        "name": "Vigil incident typology",
        "description": "Type, bias motivations, IHRA indicators, target kind, severity, status "
        "and time of a hate or security incident at a soft target, as Vigil records them.",
        "schema": EXTENSION_SCHEMA,
        "version": EXTENSION_VERSION,
        "extension_types": ["property-extension"],
        "object_marking_refs": [marking_for(TLP.clear)],
    }
