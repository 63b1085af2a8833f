"""Two organisations with work waiting in every domain the dashboard shows, committed: A (the one
the tests look at, with a coordinator, an analyst and a reporter) and B, whose records A must
never see. Built from the domains' services where they are cheap, else straight to tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from tests.alerts.factories import alert_input
from tests.alerts.factories import make_site as make_alert_site
from tests.assessments.factories import shipped
from tests.orgs.factories import make_network, make_org, make_person
from tests.playbooks.factories import make_incident
from vigil.alerts import acks
from vigil.alerts import service as alerts_service
from vigil.alerts.models import Answer as AlertAnswer
from vigil.assessments.models import Assessment, SiteMeasure
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.incidents import reports as reports_service
from vigil.incidents.models import Report
from vigil.incidents.schemas import Place, ReportCreate
from vigil.incidents.typology import IncidentType, Precision
from vigil.orgs import accounts
from vigil.orgs.models import Organisation, Person
from vigil.playbooks.models import Activation, RollCall, RollCallEntry, Task
from vigil.sites.models import Site

VIENNA = (48.2082, 16.3738)
GRAZ = (47.0707, 15.4395)


def _now() -> dt.datetime:
    """Read at each call: a module-level time is an hour old by the time a long suite gets here."""
    return dt.datetime.now(dt.UTC)


@dataclass
class Side:
    org: Organisation
    coordinator: Person
    analyst: Person
    reporter: Person
    sites: list[Site]
    alert_id: int
    titles: list[str]  # incident titles that appear nowhere but on this side


def add_report(
    session: Session, settings: Settings, person: Person, org: Organisation, hours: float
) -> None:
    principal = replace(accounts.principal_for(session, person.id), acting_org_id=org.id)
    report = reports_service.submit_report(
        session=session,
        principal=principal,
        data=ReportCreate(
            title=f"Report of {org.name}",
            narrative="Stickers on the entrance door.",
            occurred_from=_now() - dt.timedelta(hours=hours + 1),
            timezone="Europe/Vienna",
            place=Place(
                lat=VIENNA[0], lon=VIENNA[1], city="Vienna", country="AT", precision=Precision.exact
            ),
            type=IncidentType.literature,
        ),
        settings=settings,
    )
    session.get_one(Report, report.id).created_at = _now() - dt.timedelta(hours=hours)


def _response(
    session: Session, org: Organisation, incident_id: int, names: dict[str, str | None]
) -> None:
    activation = Activation(
        incident_id=incident_id, org_id=org.id, template_code="attack", template_version=1,
        template_text="", title="Attack response",
    )  # fmt: skip
    session.add(activation)
    session.flush()
    for position, hours in enumerate((-1.0, 3.0)):  # one task overdue, one due later
        session.add(
            Task(
                activation_id=activation.id, stage="immediate", position=position,
                code=f"t{position}", role="coordinator", title="Lock down",
                due_at=_now() + dt.timedelta(hours=hours),
            )
        )  # fmt: skip
    call = RollCall(incident_id=incident_id)
    session.add(call)
    session.flush()
    for name, answer in names.items():
        session.add(RollCallEntry(roll_call_id=call.id, name=name, answer=answer))


def _assessments(session: Session, org: Organisation, sites: list[Site], author: Person) -> None:
    version = shipped(session)
    for site, days in zip(sites, (400, 30), strict=True):
        completed = _now() - dt.timedelta(days=days)
        session.add(
            Assessment(
                site_id=site.id, methodology_version_id=version.id, status="completed",
                completed_at=completed, owner_org_id=org.id, author_id=author.id,
            )
        )  # fmt: skip
    for horizon, status, days in (("now", "open", 60), ("year", "open", 60), ("now", "done", 90)):
        session.add(
            SiteMeasure(
                site_id=sites[0].id, text=f"Fit a lock ({org.name})", horizon=horizon,
                status=status, source="manual", created_at=_now() - dt.timedelta(days=days),
            )
        )  # fmt: skip


def make_side(session: Session, settings: Settings, name: str, centre: tuple[float, float]) -> Side:
    org = make_org(session)
    org.name = name
    coordinator = make_person(session, settings, org=org, role=Role.coordinator)
    analyst = make_person(session, settings, org=org, role=Role.analyst)
    reporter = make_person(session, settings, org=org, role=Role.reporter)
    add_report(session, settings, reporter, org, hours=3)
    add_report(session, settings, reporter, org, hours=1)
    titles = [f"{name}: attack", f"{name}: threat", f"{name}: red", f"{name}: closed"]
    shapes = (("extreme", "verified", "amber+strict"), ("severe", "new", "amber+strict"),
              ("severe", "triaged", "red"), ("moderate", "closed", "amber+strict"))  # fmt: skip
    incidents = []
    for title, (severity, status, tlp) in zip(titles, shapes, strict=True):
        incident = make_incident(session, org, coordinator, severity=severity, tlp=tlp)
        incident.title, incident.status = title, status
        incidents.append(incident)
    _response(
        session,
        org,
        incidents[0].id,
        {"Rina Levy": "safe", "Night guard": None, "Dov": "need_help"},
    )
    sites = [
        make_alert_site(session, settings, org, lat=centre[0] + i * 0.001, lon=centre[1])
        for i in range(2)
    ]
    for i, site in enumerate(sites):
        site.name = f"{name} site {i}"
    _assessments(session, org, sites, coordinator)
    principal = replace(accounts.principal_for(session, coordinator.id), acting_org_id=org.id)
    circle = {"lat": centre[0], "lon": centre[1], "radius_km": 1}
    alert = alerts_service.create_alert(
        session=session, principal=principal, settings=settings,
        data=alert_input(headline=f"Shots fired near {name}", circle=circle),
    )  # fmt: skip
    alerts_service.send_alert(
        session=session, principal=principal, settings=settings, alert_id=alert.id
    )
    acks.acknowledge(
        session=session, principal=principal, alert_id=alert.id, answer=AlertAnswer.need_help,
        site_id=sites[0].id,
    )  # fmt: skip
    return Side(org, coordinator, analyst, reporter, sites, alert.id, titles)


def make_world(session: Session, settings: Settings) -> tuple[Side, Side]:
    """A and B, in one network (so GREEN would reach across; everything here is AMBER+STRICT
    or RED)."""
    a = make_side(session, settings, "Alpha", VIENNA)
    b = make_side(session, settings, "Bravo", GRAZ)
    make_network(session, a.org, b.org)
    session.commit()
    return a, b
