"""Incident rules at the service level; each test's changes are rolled back (DECISIONS 21)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person
from vigil.core.config import Settings
from vigil.core.errors import Forbidden, Invalid
from vigil.core.policy import Principal, Role
from vigil.incidents import reports as reports_service
from vigil.incidents import service
from vigil.incidents.schemas import IncidentUpdate, ReportCreate, TriageDecision
from vigil.incidents.typology import IncidentType, Status
from vigil.orgs.principals import load_principal


def principal_with(session: Session, settings: Settings, role: Role) -> Principal:
    org = make_org(session)
    person = make_person(session, settings, org=org, role=role)
    principal = load_principal(session, person_id=person.id)
    assert principal is not None
    return principal


def new_incident(session: Session, settings: Settings, coordinator: Principal) -> int:
    report = reports_service.submit_report(
        session=session,
        principal=coordinator,
        settings=settings,
        data=ReportCreate(
            title="Bomb threat by phone",
            occurred_from=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3),
            type=IncidentType.threat,
        ),
    )
    incident = service.triage(
        session=session,
        principal=coordinator,
        report_id=report.id,
        decision=TriageDecision(action="new_incident"),
    )
    assert incident is not None
    return incident.id


def test_status_moves_follow_the_workflow(session: Session, settings: Settings) -> None:
    coordinator = principal_with(session, settings, Role.coordinator)
    incident_id = new_incident(session, settings, coordinator)

    with pytest.raises(Invalid, match="cannot go from triaged to closed"):
        service.update_incident(
            session=session,
            principal=coordinator,
            incident_id=incident_id,
            data=IncidentUpdate(status=Status.closed),
        )
    for status in (Status.verified, Status.closed):
        service.update_incident(
            session=session,
            principal=coordinator,
            incident_id=incident_id,
            data=IncidentUpdate(status=status),
        )
    assert (
        service.get_incident(session=session, principal=coordinator, incident_id=incident_id).status
        == "closed"
    )


def test_edit_is_validated_as_a_whole(session: Session, settings: Settings) -> None:
    coordinator = principal_with(session, settings, Role.coordinator)
    incident_id = new_incident(session, settings, coordinator)

    with pytest.raises(Invalid, match="IHRA indicators apply only"):
        service.update_incident(
            session=session,
            principal=coordinator,
            incident_id=incident_id,
            data=IncidentUpdate(ihra=["ihra.4"]),
        )


def test_reporter_cannot_triage(session: Session, settings: Settings) -> None:
    reporter = principal_with(session, settings, Role.reporter)
    report = reports_service.submit_report(
        session=session,
        principal=reporter,
        settings=settings,
        data=ReportCreate(
            title="Stickers", occurred_from=dt.datetime.now(dt.UTC), type=IncidentType.literature
        ),
    )
    with pytest.raises(Forbidden):
        service.triage(
            session=session,
            principal=reporter,
            report_id=report.id,
            decision=TriageDecision(action="new_incident"),
        )


def test_viewer_cannot_report(session: Session, settings: Settings) -> None:
    viewer = principal_with(session, settings, Role.viewer)
    with pytest.raises(Forbidden):
        reports_service.submit_report(
            session=session,
            principal=viewer,
            settings=settings,
            data=ReportCreate(
                title="x", occurred_from=dt.datetime.now(dt.UTC), type=IncidentType.other
            ),
        )
