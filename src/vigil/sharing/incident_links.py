"""What an incident's STIX object links to besides the incident, gathered for many incidents at
once so that the bundle export, the preview and the TAXII store map incidents the same way.

A link must never reveal a record its reader could not read: an alert is named, and a report's
text leaves, only if it reaches every reader of its incident. CLEAR records reach everyone; a
GREEN one reaches its owner's networks, which are the readers of a GREEN incident of the same
owner. AMBER records (whose readers are their own recipients) and RED ones never leave this
way; drafts have no CAP document to point at. Reports are read only for owners whose sharing
profile shares them. A received incident leaves under its sender's id and versions, and an
adopted one names the original it was made from (DECISIONS 30).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from vigil.alerts import incident_alerts
from vigil.core.config import Settings
from vigil.core.policy import TLP
from vigil.incidents import adoption
from vigil.incidents import queries as incident_queries
from vigil.incidents.schemas import IncidentRead
from vigil.sharing import service as sharing_service
from vigil.sharing.ids import instance_namespace, stix_id
from vigil.sharing.mapping import IncidentLinks
from vigil.sharing.provenance import origins_of


class _Linked(Protocol):
    @property
    def owner_org_id(self) -> int: ...
    @property
    def tlp(self) -> TLP: ...


def _reaches_as_far(record: _Linked, incident: IncidentRead) -> bool:
    if record.tlp is TLP.clear:
        return True
    return (
        record.tlp is TLP.green
        and incident.tlp is TLP.green
        and record.owner_org_id == incident.owner_org_id
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
    reports: dict[int, list[incident_queries.ReportText]] = {i: [] for i in by_id}
    profiles = sharing_service.profiles_of(session, {i.owner_org_id for i in incidents})
    sharing = [i.id for i in incidents if profiles[i.owner_org_id].share_reports]
    for report in incident_queries.report_texts(session=session, incident_ids=sharing):
        if _reaches_as_far(report, by_id[report.incident_id]):
            reports[report.incident_id].append(report)
    # An adopted incident names its original by STIX id only (the sender's, for a received
    # one): an id, not the record; its readers have the copy's fields already.
    originals = adoption.derived_from(session, by_id)
    origins = origins_of(session, [*by_id, *originals.values()])
    namespace = instance_namespace(settings)

    def original_ref(incident_id: int) -> str:
        original = originals.get(incident_id)
        if original is None:
            return ""
        if original in origins:
            return origins[original].stix_id
        return stix_id(namespace, "incident", "incident", original)

    return {
        incident_id: IncidentLinks(
            alerts=tuple(alerts[incident_id]),
            reports=tuple(reports[incident_id]),
            public_url=settings.public_url,
            origin=origins.get(incident_id),
            derived_from=original_ref(incident_id),
        )
        for incident_id in by_id
    }
