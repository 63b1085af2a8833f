"""An incident wrapped in a STIX `report`, the shape a MISP event takes (misp-stix reads a
report as a published event: `name` -> info, `description` -> an event report, `published` ->
its publication, the markings -> TLP tags, the location -> a geolocation object), asked for
with `?container=report` on the export.

The incident and its objects leave unchanged; the report only names them, created by the
incident's owner and marked as the incident, so it reaches exactly the incident's readers.
"""

from __future__ import annotations

import enum
from typing import Any

from vigil.incidents.schemas import IncidentRead
from vigil.sharing.ids import stix_id, stix_time
from vigil.sharing.mapping import Context


class Container(enum.StrEnum):
    """How each incident may be wrapped on its way out."""

    report = "report"


def incident_report(
    incident: IncidentRead, objects: list[dict[str, Any]], context: Context
) -> dict[str, Any]:
    """The report about one incident: its `objects` (the incident first, its location and
    notes) as `object_refs`; its title, its narrative where the incident carries one, and when
    it happened as `published` (the date MISP keeps of an event that survives misp-stix)."""
    stix = objects[0]
    report: dict[str, Any] = {
        "type": "report",
        "spec_version": "2.1",
        "id": stix_id(context.namespace, "report", "incident-container", incident.id),
        "created_by_ref": stix["created_by_ref"],
        "created": stix["created"],
        "modified": stix["modified"],
        "name": stix["name"],
        "published": stix_time(incident.occurred_from),
        "object_refs": [o["id"] for o in objects],
    }
    if "description" in stix:
        report["description"] = stix["description"]
    if stix.get("revoked"):
        report["revoked"] = True
    report["object_marking_refs"] = stix["object_marking_refs"]
    return report
