"""Demonstration data for `vigil demo load`: a living product on first start (DECISIONS 25).

Each capability adds its part here. Loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.demo import load_alerts
from vigil.assessments.demo import load_assessments
from vigil.core.config import Settings
from vigil.core.db import transaction
from vigil.core.policy import SYSTEM, TLP, Principal, Role
from vigil.incidents.demo import load_incidents
from vigil.notices import service as notices_service
from vigil.notices.schemas import NoticeCreate
from vigil.orgs import accounts
from vigil.orgs import service as orgs_service
from vigil.orgs.models import Organisation, OrgKind
from vigil.orgs.recipients import Recipients
from vigil.orgs.schemas import NetworkCreate, OrganisationCreate
from vigil.playbooks.demo import load_playbooks
from vigil.sites.demo import load_sites

# Not a secret: the shared password of the demonstration accounts, printed by `make run`.
DEMO_PASSWORD = "vigil-demo-password"  # noqa: S105

ORGS = [
    # slug, name, kind, country, parent slug
    ("jcs-berlin", "Jewish Community Security Berlin", OrgKind.community_security, "DE", None),
    (
        "synagogue-oranienburger",
        "Synagogue Oranienburger Strasse",
        OrgKind.site_operator,
        "DE",
        "jcs-berlin",
    ),
    ("berlin-police-liaison", "Berlin Police Community Liaison", OrgKind.police, "DE", None),
    (
        "prague-community-security",
        "Prague Community Security",
        OrgKind.community_security,
        "CZ",
        None,
    ),
    (
        "cz-interior-soft-targets",
        "CZ Interior Ministry Soft Targets Unit",
        OrgKind.ministry,
        "CZ",
        None,
    ),
    ("vienna-city-crisis", "Vienna City Crisis Centre", OrgKind.city, "AT", None),
    ("victim-support-ngo", "Hate Crime Victim Support", OrgKind.ngo, "DE", None),
]
NETWORKS = [
    (
        "de-community-network",
        "German Community Security Network",
        ["jcs-berlin", "synagogue-oranienburger", "berlin-police-liaison", "victim-support-ngo"],
    ),
    (
        "central-europe-soft-targets",
        "Central European Soft-Target Working Group",
        [
            "jcs-berlin",
            "prague-community-security",
            "cz-interior-soft-targets",
            "vienna-city-crisis",
        ],
    ),
]
PEOPLE = [
    # e-mail, name, org slug, role
    ("admin@vigil.example", "Platform Administrator", None, None),
    ("coordinator@jcs-berlin.example", "Miriam Koch", "jcs-berlin", Role.coordinator),
    ("analyst@jcs-berlin.example", "Jonas Weber", "jcs-berlin", Role.analyst),
    ("orgadmin@jcs-berlin.example", "Sarah Levi", "jcs-berlin", Role.org_admin),
    ("security@oranienburger.example", "David Stern", "synagogue-oranienburger", Role.coordinator),
    ("liaison@police-berlin.example", "Thomas Brandt", "berlin-police-liaison", Role.analyst),
    (
        "coordinator@prague-security.example",
        "Tereza Novakova",
        "prague-community-security",
        Role.coordinator,
    ),
    ("analyst@mvcr-soft-targets.example", "Petr Dvorak", "cz-interior-soft-targets", Role.analyst),
    ("viewer@vienna-crisis.example", "Anna Gruber", "vienna-city-crisis", Role.viewer),
    ("coordinator@vienna-crisis.example", "Lukas Huber", "vienna-city-crisis", Role.coordinator),
]
NOTICES = [
    (
        "jcs-berlin",
        "coordinator@jcs-berlin.example",
        TLP.green,
        "Raised attention over the autumn holidays",
        "Expect large attendance at services. Stewards at every entrance; check the bag policy.",
    ),
    (
        "jcs-berlin",
        "coordinator@jcs-berlin.example",
        TLP.amber_strict,
        "Hostile reconnaissance reported near a community centre",
        "A person filmed the entrance for 20 minutes on two days. Police informed.",
    ),
    (
        "prague-community-security",
        "coordinator@prague-security.example",
        TLP.clear,
        "Public guidance: what to do if you see a suspicious item",
        "Do not touch it, move away, call 112 and tell staff. Keep others away.",
    ),
    (
        "cz-interior-soft-targets",
        "analyst@mvcr-soft-targets.example",
        TLP.amber,
        "Updated methodology for crowded venues",
        "The soft-target self-assessment has a new section on hostile-vehicle mitigation.",
    ),
]


@dataclass
class DemoLogins:
    password: str
    people: list[tuple[str, str]] = field(default_factory=list)


def _org_ids(session: Session) -> dict[str, int]:
    return {
        slug: org_id for slug, org_id in session.execute(select(Organisation.slug, Organisation.id))
    }


def _load_orgs(session: Session) -> dict[str, int]:
    for slug, name, kind, country, parent in ORGS:
        ids = _org_ids(session)
        if slug in ids:
            continue
        orgs_service.create_organisation(
            session=session,
            principal=SYSTEM,
            data=OrganisationCreate(
                slug=slug,
                name=name,
                kind=kind,
                country=country,
                parent_id=ids.get(parent) if parent else None,
                accepts_public_reports=kind == OrgKind.community_security,
            ),
        )
    ids = _org_ids(session)
    existing = {n.slug: n.id for n in orgs_service.list_networks(session=session, principal=SYSTEM)}
    for slug, name, members in NETWORKS:
        network_id = existing.get(slug)
        if network_id is None:
            network_id = orgs_service.create_network(
                session=session, principal=SYSTEM, data=NetworkCreate(slug=slug, name=name)
            ).id
        for member in members:
            orgs_service.add_to_network(
                session=session, principal=SYSTEM, network_id=network_id, org_id=ids[member]
            )
    return ids


def _load_people(session: Session, settings: Settings, ids: dict[str, int]) -> DemoLogins:
    logins = DemoLogins(password=DEMO_PASSWORD)
    for email, name, org, role in PEOPLE:
        person = accounts.person_by_email(session, email)
        if person is None:
            person = accounts.create_person(
                session=session,
                settings=settings,
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                is_platform_admin=org is None,
            )
        if org and role:
            orgs_service.add_member(
                session=session, principal=SYSTEM, org_id=ids[org], person=person, role=role
            )
        logins.people.append((email, f"{role.value} @ {org}" if org and role else "platform admin"))
    return logins


def _load_notices(session: Session, ids: dict[str, int]) -> None:
    if notices_service.any_notices(session):
        return
    network_peer = ids["berlin-police-liaison"]
    for org, author_email, tlp, title, body in NOTICES:
        author = accounts.person_by_email(session, author_email)
        assert author is not None
        principal = Principal(
            person_id=author.id,
            roles={ids[org]: Role.coordinator},
            acting_org_id=ids[org],
            name=author.name,
        )
        recipients = Recipients(organisation_ids=[network_peer] if tlp == TLP.amber_strict else [])
        notices_service.create_notice(
            session=session,
            principal=principal,
            data=NoticeCreate(title=title, body=body, tlp=tlp, recipients=recipients),
        )


def load_demo(settings: Settings) -> DemoLogins:
    with transaction(settings.sqlalchemy_url) as session:
        ids = _load_orgs(session)
        logins = _load_people(session, settings, ids)
        _load_notices(session, ids)
        people = {
            email: person.id
            for email, *_ in PEOPLE
            if (person := accounts.person_by_email(session, email)) is not None
        }
        load_incidents(session, ids, people, settings)
        load_sites(session, ids, people, settings)
        load_assessments(session, ids, people)
        load_alerts(session, ids, people, settings)
        load_playbooks(session, ids, people, settings)
    return logins
