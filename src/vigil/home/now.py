"""The dashboard's "now": what needs the viewer for the organisation they act for, by their
role. Each card is one query of the domain that owns its records (their services scope it by
organisation, role and TLP); home only gathers them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from vigil.alerts import acks as alerts_acks
from vigil.assessments import overdue as assessments_overdue
from vigil.core.pages import Viewer
from vigil.core.policy import Role
from vigil.incidents import queries as incident_queries
from vigil.incidents import reports as incident_reports
from vigil.incidents.typology import Severity
from vigil.playbooks import reading as playbooks_reading

# Rows a card lists; its count and its link cover the rest.
CARD_ROWS = 5
# Running responses read for the card: more than any organisation runs at once.
RESPONSES_READ = 50


@dataclass(frozen=True)
class Now:
    org_id: int
    triage: incident_reports.Waiting | None  # None: not a coordinator here
    open_incidents: list[tuple[str, int]]  # severity, count; most severe first
    responses: list[playbooks_reading.ResponseSummary]
    late_responses: int
    alerts_total: int
    alerts: list[alerts_acks.LiveAlert]
    roll_calls: list[playbooks_reading.NotSafe]
    reviews: list[assessments_overdue.ReviewDue]
    measures_total: int
    measures: list[assessments_overdue.MeasureDue]

    @property
    def open_total(self) -> int:
        return sum(n for _, n in self.open_incidents)

    def incidents_link(self, severity: str | None = None) -> str:
        """The incident list filtered to what a count of this card counts."""
        statuses = "".join(f"&status={s.value}" for s in incident_queries.OPEN_STATUSES)
        return f"/incidents?org={self.org_id}{statuses}" + (
            f"&severity={severity}" if severity else ""
        )


def now_for(session: Session, viewer: Viewer) -> Now | None:
    """The cards' content, or None for someone acting for no organisation."""
    principal = viewer.principal
    org_id = principal.acting_org_id
    if org_id is None or viewer.acting is None:
        return None
    scoped: dict[str, Any] = {"session": session, "principal": principal, "org_id": org_id}
    triage = None
    if principal.has_role(org_id, Role.coordinator):
        triage = incident_reports.triage_waiting(**scoped, limit=CARD_ROWS)
    counts = incident_queries.open_by_severity(**scoped)
    responses = playbooks_reading.list_responses(**scoped, active=True, limit=RESPONSES_READ)
    responses.sort(key=lambda r: r.late_tasks == 0)  # stable: late first, newest first within
    alerts_total, alerts = alerts_acks.live_alerts(**scoped, limit=CARD_ROWS)
    measures_total, measures = assessments_overdue.measures_overdue(**scoped, limit=CARD_ROWS)
    return Now(
        org_id=org_id,
        triage=triage,
        open_incidents=[(s.value, counts[s.value]) for s in Severity if counts.get(s.value)],
        responses=responses,
        late_responses=sum(1 for r in responses if r.late_tasks),
        alerts_total=alerts_total,
        alerts=alerts,
        roll_calls=playbooks_reading.roll_calls_running(**scoped),
        reviews=assessments_overdue.reviews_due(**scoped),
        measures_total=measures_total,
        measures=measures,
    )
