"""The demo's figures and reports: the figures rebuilt once the demo incidents are in (reports
comes after incidents in the domains' order), so the statistics pages show two years at once;
JCS Berlin's report for last year published, with two notable incidents, and this year's a
draft. A second load rebuilds the figures and leaves the reports as they are."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from vigil.core.domains import DemoData
from vigil.incidents.queries import IncidentFilters, list_incidents
from vigil.incidents.typology import Status
from vigil.orgs.principals import load_principal
from vigil.reports import annual
from vigil.reports.figures import rebuild_figures

ORG = "jcs-berlin"
COORDINATOR = "coordinator@jcs-berlin.example"
SECTIONS = {
    "foreword": "This report counts the antisemitic and security incidents reported to us or "
    "recorded by our volunteers in Berlin, verified before they were counted.",
    "summary": "Threats and abusive behaviour remain the most frequent incidents; most were "
    "aimed at people on their way to or from community buildings.",
    "outlook": "We will keep working with the police liaison and the city's crime-prevention "
    "unit on patrols around the high holidays.",
}


def load_figures(session: Session, demo: DemoData) -> None:
    session.flush()
    rebuild_figures(session)
    person_id, org_id = demo.people.get(COORDINATOR), demo.org_ids.get(ORG)
    if person_id is None or org_id is None:
        return
    principal = load_principal(session, person_id=person_id, acting_org_id=org_id)
    if principal is None or annual.list_reports(session=session, principal=principal):
        return
    start, end = annual.default_period()
    report = annual.create_report(
        session=session, principal=principal, title=f"Incidents in Berlin {start.year}"
    )
    for key, text in SECTIONS.items():
        annual.save_section(
            session=session, principal=principal, report_id=report.id, key=key, text=text
        )
    published = IncidentFilters(
        occurred_after=dt.datetime.combine(start, dt.time(), dt.UTC),
        occurred_before=dt.datetime.combine(end, dt.time(), dt.UTC),
        status=[Status.closed],
    )
    found = list_incidents(
        session=session, principal=principal, filters=published, limit=100, offset=0
    )
    own = [i for i in found.rows if i.owner_org_id == org_id][:2]
    summary = "An incident the community's volunteers documented and reported to the police."
    picks = [(i.id, summary) for i in own]
    annual.set_notable(session=session, principal=principal, report_id=report.id, picks=picks)
    annual.publish(session=session, principal=principal, report_id=report.id)
    today = dt.datetime.now(dt.UTC).date()
    annual.create_report(
        session=session,
        principal=principal,
        title=f"Incidents in Berlin {today.year}",
        start=dt.date(today.year, 1, 1),
        end=dt.date(today.year + 1, 1, 1),
    )
