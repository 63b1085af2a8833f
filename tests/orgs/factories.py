"""Factories that build organisations, people, memberships and tokens through the services."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.policy import SYSTEM, Role
from vigil.orgs import accounts
from vigil.orgs import service as orgs_service
from vigil.orgs.models import Organisation, OrgKind, Person
from vigil.orgs.principals import issue_api_token
from vigil.orgs.schemas import NetworkCreate, OrganisationCreate

PASSWORD = "correct horse battery staple"  # noqa: S105 - test accounts only
_seq = itertools.count(1)


def make_org(
    session: Session,
    *,
    kind: OrgKind = OrgKind.community_security,
    parent: Organisation | None = None,
    country: str = "DE",
) -> Organisation:
    n = next(_seq)
    return orgs_service.create_organisation(
        session=session,
        principal=SYSTEM,
        data=OrganisationCreate(
            slug=f"org-{n}",
            name=f"Organisation {n}",
            kind=kind,
            country=country,
            parent_id=parent.id if parent else None,
        ),
    )


def make_network(session: Session, *orgs: Organisation) -> int:
    n = next(_seq)
    network = orgs_service.create_network(
        session=session, principal=SYSTEM, data=NetworkCreate(slug=f"net-{n}", name=f"Network {n}")
    )
    for org in orgs:
        orgs_service.add_to_network(
            session=session, principal=SYSTEM, network_id=network.id, org_id=org.id
        )
    return network.id


def make_person(
    session: Session,
    settings: Settings,
    *,
    org: Organisation | None = None,
    role: Role = Role.viewer,
    platform_admin: bool = False,
    email: str | None = None,
) -> Person:
    n = next(_seq)
    person = accounts.create_person(
        session=session,
        settings=settings,
        email=email or f"person{n}@example.org",
        name=f"Person {n}",
        password=PASSWORD,
        is_platform_admin=platform_admin,
    )
    if org is not None:
        orgs_service.add_member(
            session=session, principal=SYSTEM, org_id=org.id, person=person, role=role
        )
    return person


def token_headers(
    session: Session, person: Person, org: Organisation | None = None
) -> dict[str, str]:
    _, secret = issue_api_token(session, person_id=person.id, name="test")
    headers = {"Authorization": f"Bearer {secret}"}
    if org is not None:
        headers["X-Vigil-Org"] = str(org.id)
    return headers
