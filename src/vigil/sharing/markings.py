"""TLP as STIX marking definitions: the five official TLP 2.0 objects, and the way back from
TLP 1.0 and 2.0 markings to Vigil's levels for imports.

The TLP 2.0 objects are the standard's own (OASIS cti-stix-common-objects, tlp-2.0 extension):
their ids and content are fixed, so a partner's tools recognise them. The `stix2` library ships
only the TLP 1.0 markings. RED is listed so that imports can recognise it, but `marking_for`
refuses it: nothing marked RED is ever built for export.
"""

from __future__ import annotations

from typing import Any

from vigil.core.policy import TLP

# The TLP 2.0 extension definition every official TLP 2.0 marking object names.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"

TLP2_MARKING_IDS: dict[TLP, str] = {
    TLP.clear: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.green: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.amber: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.amber_strict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.red: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

# TLP 1.0 (the stix2 library's TLP_WHITE ... TLP_RED), read on import: WHITE became CLEAR.
TLP1_MARKING_IDS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.clear,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.green,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.amber,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.red,
}

MARKING_TLP: dict[str, TLP] = {
    **{marking_id: tlp for tlp, marking_id in TLP2_MARKING_IDS.items()},
    **TLP1_MARKING_IDS,
}


class RedNeverLeaves(Exception):
    """Raised when export code asks for the RED marking: a RED record must never be built."""


def tlp2_marking_definition(tlp: TLP) -> dict[str, Any]:
    """The official TLP 2.0 marking-definition object of `tlp`, as published by OASIS."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_MARKING_IDS[tlp],
        "created": TLP2_CREATED,
        "name": f"TLP:{tlp.value.upper()}",
        "extensions": {
            TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": tlp.value}
        },
    }


def marking_for(tlp: TLP | str) -> str:
    """The id of the TLP 2.0 marking an exported object carries; RED has none to give."""
    level = TLP(tlp)
    if level is TLP.red:
        raise RedNeverLeaves("a RED record never leaves the instance")
    return TLP2_MARKING_IDS[level]


def tlp_of_marking(marking_id: str) -> TLP | None:
    """Vigil's level for a TLP 1.0 or 2.0 marking id; None for any other marking."""
    return MARKING_TLP.get(marking_id)


def exported_markings(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The marking-definition objects the exported `objects` refer to, strictest last.

    Checks the objects once more on their way out: one that carries RED is refused.
    """
    used: set[str] = set()
    for obj in objects:
        used.update(obj.get("object_marking_refs", ()))
    if TLP2_MARKING_IDS[TLP.red] in used or set(TLP1_MARKING_IDS) & used:
        raise RedNeverLeaves("an object marked RED or with a TLP 1.0 marking was about to leave")
    return [tlp2_marking_definition(t) for t in reversed(TLP) if TLP2_MARKING_IDS[t] in used]
