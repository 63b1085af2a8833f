"""Sharing's part of an incident's page (incidents.parts): exactly the STIX that would leave
for the incident, at its owner's sharing profile, so that an analyst sees what a partner gets
before it goes; for a RED incident, that nothing of it leaves."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.policy import TLP, Principal
from vigil.incidents.parts import IncidentPart
from vigil.incidents.schemas import IncidentRead
from vigil.sharing.export import stix_bundle


def stix_preview(
    *, session: Session, settings: Settings, principal: Principal, incident: IncidentRead
) -> IncidentPart:
    """The bundle the export would give for this incident, pretty-printed; the same as
    `GET /api/v1/sharing/stix/incidents/{id}` (but for the bundle's own random id)."""
    context: dict[str, object] = {
        "red": incident.tlp is TLP.red,
        # Only the owner's members can change what leaves: they get the link to the profile.
        "owner_member": incident.owner_org_id in principal.org_ids,
    }
    if not context["red"]:
        bundle = stix_bundle(session=session, settings=settings, incidents=[incident], notices=[])
        context["objects"] = len(bundle["objects"])
        context["json"] = json.dumps(bundle, indent=2, ensure_ascii=False)
    return IncidentPart(template="sharing/_incident_stix.html", context=context)
