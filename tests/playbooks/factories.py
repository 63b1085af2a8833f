"""Building blocks of the playbook tests: an organisation with a coordinator and a member, and
an incident of theirs, committed so the app (and other threads) can see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person, token_headers
from tests.sites.factories import acting, make_site
from vigil.core.config import Settings
from vigil.core.policy import Role
from vigil.incidents.models import Incident
from vigil.orgs.models import Organisation, Person
from vigil.sites.contacts import set_contacts
from vigil.sites.models import Site
from vigil.sites.schemas import ContactWrite


@dataclass
class Team:
    org: Organisation
    coordinator: Person
    member: Person
    coordinator_headers: dict[str, str]
    member_headers: dict[str, str]
    incident_id: int


def make_incident(
    session: Session,
    org: Organisation,
    author: Person,
    *,
    type_: str = "extreme_violence",
    severity: str = "extreme",
    tlp: str = "amber+strict",
    hours_ago: float = 2,
) -> Incident:
    incident = Incident(
        owner_org_id=org.id,
        author_id=author.id,
        tlp=tlp,
        title="Attack at the synagogue entrance",
        type=type_,
        severity=severity,
        source="member",
        status="verified",
        occurred_from=dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago),
        city="Berlin",
        country="DE",
    )
    session.add(incident)
    session.flush()
    return incident


def make_team(session: Session, settings: Settings) -> Team:
    org = make_org(session)
    coordinator = make_person(session, settings, org=org, role=Role.coordinator)
    member = make_person(session, settings, org=org, role=Role.reporter)
    incident = make_incident(session, org, coordinator)
    team = Team(
        org=org,
        coordinator=coordinator,
        member=member,
        coordinator_headers=token_headers(session, coordinator, org),
        member_headers=token_headers(session, member, org),
        incident_id=incident.id,
    )
    session.commit()
    return team


def give_site(
    session: Session, settings: Settings, team: Team, *, site_type: str = "place_of_worship"
) -> Site:
    """A site of the team's organisation with three contacts in priority order (the member is
    the third), named as the place of the team's incident; committed."""
    principal = acting(session, team.coordinator, team.org)
    site = make_site(session, principal, name="Neue Synagoge", type=site_type)
    set_contacts(
        session=session,
        principal=principal,
        settings=settings,
        site_id=site.id,
        contacts=[
            ContactWrite(name="Rina Levy", role="security lead", email="rina@example.org"),
            ContactWrite(name="Night guard", phone="+49 30 7654321"),
            ContactWrite(name=team.member.name, role="steward", person_id=team.member.id),
        ],
    )
    incident = session.get(Incident, team.incident_id)
    assert incident is not None
    incident.site_id = site.id
    session.commit()
    return site
