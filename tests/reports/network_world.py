"""A committed network for the network figures' tests: organisation A (an analyst, with one
incident of its own) and organisation B (17 incidents, RED and AMBER ones among them, one GREEN
that A's members may read), both in one network; organisation C outside it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests.orgs.factories import make_network, make_org, make_person
from tests.sites.factories import acting
from vigil.core.config import Settings
from vigil.core.policy import TLP, Principal, Role
from vigil.incidents import reports as reports_service
from vigil.incidents import service
from vigil.incidents.schemas import Place, ReportCreate, TriageDecision
from vigil.incidents.typology import Bias, IncidentType
from vigil.reports.figures import refresh_figures

SECRET = "Unreadable-B-incident"
PERIOD = "year=2026"


@dataclass(frozen=True)
class NetworkWorld:
    network_id: int
    analyst_email: str
    outsider_email: str
    b_ids: list[int]
    analyst: Principal


def _incident(
    session: Session,
    settings: Settings,
    principal: Principal,
    *,
    month: int,
    kind: IncidentType,
    tlp: TLP,
    title: str,
    bias: list[Bias] | None = None,
) -> int:
    report = reports_service.submit_report(
        session=session,
        principal=principal,
        settings=settings,
        data=ReportCreate(
            title=title,
            occurred_from=dt.datetime(2026, month, 10, 12, tzinfo=dt.UTC),
            timezone="Europe/Berlin",
            type=kind,
            tlp=tlp,
            bias=bias or [],
            place=Place(city="Berlin", country="DE"),
        ),
    )
    incident = service.triage(
        session=session,
        principal=principal,
        report_id=report.id,
        decision=TriageDecision(action="new_incident"),
    )
    assert incident is not None
    return incident.id


# (month, type, tlp, bias) of B's incidents: January's threats are the small figure.
B_INCIDENTS = [
    (1, IncidentType.threat, TLP.red, [Bias.antisemitism]),
    (1, IncidentType.threat, TLP.green, []),
    *[(1, IncidentType.damage, TLP.amber, [])] * 5,
    *[(2, IncidentType.threat, TLP.amber, [])] * 5,
    *[(2, IncidentType.damage, TLP.red, [])] * 4,
]


def build_network_world(committed: Session, settings: Settings) -> NetworkWorld:
    org_a, org_b, org_c = make_org(committed), make_org(committed), make_org(committed)
    network_id = make_network(committed, org_a, org_b)
    analyst = make_person(committed, settings, org=org_a, role=Role.analyst)
    a_coordinator = make_person(committed, settings, org=org_a, role=Role.coordinator)
    b_coordinator = make_person(committed, settings, org=org_b, role=Role.coordinator)
    outsider = make_person(committed, settings, org=org_c, role=Role.coordinator)
    writer_b = acting(committed, b_coordinator, org_b)
    b_ids = [
        _incident(
            committed, settings, writer_b, month=m, kind=k, tlp=t, bias=b, title=f"{SECRET} {n}"
        )
        for n, (m, k, t, b) in enumerate(B_INCIDENTS)
    ]
    # A's own February damage: an AMBER incident its analyst counts as an own figure.
    _incident(
        committed,
        settings,
        acting(committed, a_coordinator, org_a),
        month=2,
        kind=IncidentType.damage,
        tlp=TLP.amber,
        title="A's own incident",
    )
    refresh_figures(committed)
    committed.commit()
    return NetworkWorld(
        network_id=network_id,
        analyst_email=analyst.email,
        outsider_email=outsider.email,
        b_ids=b_ids,
        analyst=acting(committed, analyst, org_a),
    )
