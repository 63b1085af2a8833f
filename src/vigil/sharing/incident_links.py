"""What an incident's STIX object links to besides the incident, gathered for many incidents at
once so that the bundle export, the preview and the TAXII store map incidents the same way.

A link must never reveal a record its reader could not read: an alert is named only if it
reaches every reader of its incident. CLEAR alerts reach everyone; a GREEN alert reaches its
owner's networks, which are the readers of a GREEN incident of the same owner. AMBER alerts
(whose readers are their own recipients) and RED ones are never named; drafts have no CAP
document to point at.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from vigil.alerts import incident_alerts
from vigil.core.config import Settings
from vigil.core.policy import TLP
from vigil.incidents.schemas import IncidentRead
from vigil.sharing.mapping import IncidentLinks


def _reaches_as_far(alert: incident_alerts.SentAlertRef, incident: IncidentRead) -> bool:
    if alert.tlp is TLP.clear:
        return True
    return (
        alert.tlp is TLP.green
        and incident.tlp is TLP.green
        and alert.owner_org_id == incident.owner_org_id
    )


def links_of(
    session: Session, settings: Settings, incidents: Sequence[IncidentRead]
) -> dict[int, IncidentLinks]:
    """Each incident's links (an entry for every incident given), in one query per kind."""
    by_id = {i.id: i for i in incidents}
    alerts: dict[int, list[incident_alerts.SentAlertRef]] = {i: [] for i in by_id}
    for alert in incident_alerts.sent_alert_refs(session=session, incident_ids=by_id):
        if _reaches_as_far(alert, by_id[alert.incident_id]):
            alerts[alert.incident_id].append(alert)
    return {
        incident_id: IncidentLinks(
            alerts=tuple(alerts[incident_id]), public_url=settings.public_url
        )
        for incident_id in by_id
    }
