"""Notable incidents of an annual report: what is stored (incident id and the public summary the
coordinator wrote), what the report shows of each (that summary, the local date and the type:
never the incident's own text, whatever its marking), and the incidents offered for picking.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from vigil.core.errors import NotFound
from vigil.core.policy import Principal
from vigil.incidents import queries
from vigil.incidents import service as incidents_service
from vigil.incidents.queries import IncidentFilters
from vigil.incidents.typology import TYPE_LABELS, Status
from vigil.reports.facts import PUBLISHED, local_day, utc_window
from vigil.reports.models import AnnualReport

CANDIDATES = 50


def notable_of(report: AnnualReport) -> list[dict[str, Any]]:
    """The stored picks as [{"incident_id", "summary"}] (a bare list of ids reads as picks
    without summaries)."""
    raw = json.loads(report.notable_incident_ids or "[]")
    picks: list[dict[str, Any]] = []
    for item in raw:
        if isinstance(item, int):
            picks.append({"incident_id": item, "summary": ""})
        else:
            picks.append({"incident_id": int(item["incident_id"]), "summary": item["summary"]})
    return picks


def notable_view(
    session: Session, principal: Principal, picks: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each pick with its local date and type label; a pick the principal can no longer read
    keeps its summary alone."""
    shown: list[dict[str, Any]] = []
    for pick in picks:
        item = dict(pick) | {"date": "", "type": "", "type_label": ""}
        try:
            incident = incidents_service.get_incident(
                session=session, principal=principal, incident_id=pick["incident_id"]
            )
        except NotFound:
            shown.append(item)
            continue
        item["date"] = local_day(incident.occurred_from, incident.timezone).isoformat()
        item["type"] = incident.type
        item["type_label"] = TYPE_LABELS.get(incident.type, incident.type)  # type: ignore[call-overload]
        shown.append(item)
    return shown


def candidates(
    *, session: Session, principal: Principal, report: AnnualReport
) -> list[dict[str, Any]]:
    """Verified and closed incidents of the organisation in the period that the principal may
    read, newest first, to pick from."""
    low, high = utc_window(report.period_start, report.period_end)
    filters = IncidentFilters(
        occurred_after=low,
        occurred_before=high,
        status=[Status(s) for s in PUBLISHED],
    )
    found = queries.list_incidents(
        session=session, principal=principal, filters=filters, limit=CANDIDATES * 2, offset=0
    )
    rows = []
    for incident in found.rows:
        day = local_day(incident.occurred_from, incident.timezone)
        if incident.owner_org_id != report.owner_org_id:
            continue
        if not report.period_start <= day < report.period_end:
            continue
        rows.append(
            {
                "incident_id": incident.id,
                "title": incident.title,
                "tlp": incident.tlp,
                "date": day.isoformat(),
                "type_label": TYPE_LABELS.get(incident.type, incident.type),  # type: ignore[call-overload]
            }
        )
    return rows[:CANDIDATES]
