"""Two organisations' incidents, made through the incident services, for the statistics tests:
A has three counted incidents in the last twelve months (two last month, one three months ago,
verified) and one a year before last month; B has one last month. Figures refreshed, committed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person
from vigil.core.config import Settings
from vigil.core.policy import Principal, Role
from vigil.incidents import reports as reports_service
from vigil.incidents import service
from vigil.incidents.schemas import IncidentUpdate, Place, ReportCreate, TriageDecision
from vigil.incidents.typology import Bias, IncidentType, Status, TargetKind
from vigil.orgs.principals import load_principal
from vigil.reports.figures import refresh_figures


def months_before(today: dt.date, months: int) -> dt.date:
    """The first day of the month `months` before today's."""
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@dataclass
class StatsWorld:
    today: dt.date
    analyst: str  # e-mail addresses, to sign in
    viewer: str
    reporter: str
    other_analyst: str  # of organisation B
    last_month: dt.date  # first days of the months the incidents are in
    three_months_ago: dt.date
    year_before: dt.date


def add_incident(
    session: Session, settings: Settings, principal: Principal, **fields: object
) -> int:
    report = reports_service.submit_report(
        session=session,
        principal=principal,
        settings=settings,
        data=ReportCreate.model_validate({"title": "Incident for the figures", **fields}),
    )
    incident = service.triage(
        session=session,
        principal=principal,
        report_id=report.id,
        decision=TriageDecision(action="new_incident"),
    )
    assert incident is not None
    return incident.id


def principal_of(session: Session, person_id: int) -> Principal:
    principal = load_principal(session, person_id=person_id)
    assert principal is not None
    return principal


def build_stats_world(session: Session, settings: Settings) -> StatsWorld:
    today = dt.datetime.now(dt.UTC).date()
    last, three, year = (months_before(today, n) for n in (1, 3, 13))
    a, b = make_org(session), make_org(session)
    coordinator = make_person(session, settings, org=a, role=Role.coordinator)
    analyst = make_person(session, settings, org=a, role=Role.analyst)
    viewer = make_person(session, settings, org=a, role=Role.viewer)
    reporter = make_person(session, settings, org=a, role=Role.reporter)
    other_coordinator = make_person(session, settings, org=b, role=Role.coordinator)
    other_analyst = make_person(session, settings, org=b, role=Role.analyst)
    mine = principal_of(session, coordinator.id)
    theirs = principal_of(session, other_coordinator.id)
    add_incident(
        session, settings, mine, occurred_from=at(last + dt.timedelta(days=9)),
        type=IncidentType.threat, bias=[Bias.antisemitism], ihra=["ihra.1", "ihra.4"],
        target_kind=TargetKind.institution, place=Place(country="DE", city="Berlin"),
    )  # fmt: skip
    add_incident(
        session, settings, mine, occurred_from=at(last + dt.timedelta(days=11)),
        type=IncidentType.damage, bias=[Bias.antisemitism, Bias.racism_xenophobia],
        target_kind=TargetKind.property, place=Place(country="DE", city="Munich"),
    )  # fmt: skip
    verified = add_incident(
        session, settings, mine, occurred_from=at(three + dt.timedelta(days=4)),
        type=IncidentType.threat,
    )  # fmt: skip
    service.update_incident(
        session=session, principal=mine, incident_id=verified,
        data=IncidentUpdate(status=Status.verified),
    )  # fmt: skip
    add_incident(
        session, settings, mine, occurred_from=at(year + dt.timedelta(days=9)),
        type=IncidentType.threat, bias=[Bias.antisemitism],
        place=Place(country="DE", city="Berlin"),
    )  # fmt: skip
    add_incident(
        session, settings, theirs, occurred_from=at(last + dt.timedelta(days=9)),
        type=IncidentType.assault, place=Place(country="FR", city="Paris"),
    )  # fmt: skip
    session.commit()
    refresh_figures(session)
    session.commit()
    return StatsWorld(
        today=today,
        analyst=analyst.email,
        viewer=viewer.email,
        reporter=reporter.email,
        other_analyst=other_analyst.email,
        last_month=last,
        three_months_ago=three,
        year_before=year,
    )
