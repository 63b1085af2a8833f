"""Incidents for the annual report's tests: verified ones at chosen local moments and places."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.policy import Principal
from vigil.incidents import reports as reports_service
from vigil.incidents import service
from vigil.incidents.schemas import IncidentUpdate, Place, ReportCreate, TriageDecision
from vigil.incidents.typology import Bias, IncidentType, Status, TargetKind


def incident(
    session: Session,
    settings: Settings,
    coordinator: Principal,
    *,
    local: dt.datetime,
    zone: str = "Europe/Berlin",
    type: IncidentType = IncidentType.threat,
    bias: tuple[Bias, ...] = (),
    country: str = "DE",
    city: str = "Berlin",
    target: TargetKind | None = TargetKind.person,
    status: Status = Status.verified,
    tlp: str = "amber+strict",
    title: str = "Threat by phone",
) -> int:
    """An incident that happened at `local` (wall time in `zone`), moved on to `status`."""
    report = reports_service.submit_report(
        session=session,
        principal=coordinator,
        settings=settings,
        data=ReportCreate.model_validate(
            {
                "title": title,
                "occurred_from": local.replace(tzinfo=ZoneInfo(zone)),
                "timezone": zone,
                "type": type,
                "bias": list(bias),
                "place": Place(country=country, city=city),
                "target_kind": target,
                "tlp": tlp,
            }
        ),
    )
    found = service.triage(
        session=session,
        principal=coordinator,
        report_id=report.id,
        decision=TriageDecision(action="new_incident"),
    )
    assert found is not None
    moves = {Status.verified: [Status.verified], Status.closed: [Status.verified, Status.closed]}
    for move in moves.get(status, []):
        service.update_incident(
            session=session,
            principal=coordinator,
            incident_id=found.id,
            data=IncidentUpdate(status=move),
        )
    return found.id
