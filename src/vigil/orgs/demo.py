"""Demonstration organisations, networks and people for `vigil demo load` (DECISIONS 25): the
records every other domain's demonstration data belongs to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.domains import DemoData
from vigil.core.policy import SYSTEM, Role
from vigil.orgs import accounts, cost_bands
from vigil.orgs import service as orgs_service
from vigil.orgs.models import Organisation, OrgKind
from vigil.orgs.schemas import CostBandsUpdate, NetworkCreate, OrganisationCreate

OrgRow = tuple[str, str, OrgKind, str, str | None]
NetworkRow = tuple[str, str, list[str]]
PersonRow = tuple[str, str, str | None, Role | None]

ORGS: list[OrgRow] = [
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
    # In the UK, so the premises law's tiers show as law, not advice (sites.premises).
    (
        "london-community-security",
        "London Community Security",
        OrgKind.community_security,
        "GB",
        None,
    ),
]
NETWORKS: list[NetworkRow] = [
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
PEOPLE: list[PersonRow] = [
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
    (
        "coordinator@london-security.example",
        "Hannah Cohen",
        "london-community-security",
        Role.coordinator,
    ),
]


def _org_ids(session: Session) -> dict[str, int]:
    return {
        slug: org_id for slug, org_id in session.execute(select(Organisation.slug, Organisation.id))
    }


def load_organisations(
    session: Session, orgs: list[OrgRow] = ORGS, networks: list[NetworkRow] = NETWORKS
) -> dict[str, int]:
    """Each organisation and network (with its members) not there yet; every slug's id. The
    tour's second instance (vigil.sharing.demo_partner) loads its own lists with it."""
    for slug, name, kind, country, parent in orgs:
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
    for slug, name, members in networks:
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


def load_people(
    session: Session,
    settings: Settings,
    ids: dict[str, int],
    password: str,
    people: list[PersonRow] = PEOPLE,
) -> list[tuple[str, str]]:
    """Each person not there yet, and their membership; the logins to print."""
    logins = []
    for email, name, org, role in people:
        person = accounts.person_by_email(session, email)
        if person is None:
            person = accounts.create_person(
                session=session,
                settings=settings,
                email=email,
                name=name,
                password=password,
                is_platform_admin=org is None,
            )
        if org and role:
            orgs_service.add_member(
                session=session, principal=SYSTEM, org_id=ids[org], person=person, role=role
            )
        logins.append((email, f"{role.value} @ {org}" if org and role else "platform admin"))
    return logins


# Organisations that priced their measures in their own currency (issue 21); the others plan
# with Vigil's default bands in euros.
COST_BANDS = {
    "london-community-security": ("GBP", (0, 800), (800, 8_000), (8_000, 80_000)),
    "prague-community-security": ("CZK", (0, 25_000), (25_000, 250_000), (250_000, 2_500_000)),
}


def load_cost_bands(session: Session, ids: dict[str, int]) -> None:
    for slug, (currency, low, medium, high) in COST_BANDS.items():
        if not cost_bands.bands_of(session, ids[slug]).is_default:
            continue
        data = CostBandsUpdate(
            currency=currency,
            low_min=low[0],
            low_max=low[1],
            medium_min=medium[0],
            medium_max=medium[1],
            high_min=high[0],
            high_max=high[1],
        )
        cost_bands.set_cost_bands(session=session, principal=SYSTEM, org_id=ids[slug], data=data)


def load_orgs(session: Session, demo: DemoData) -> None:
    """The organisations in their networks, and the people with their logins."""
    ids = load_organisations(session)
    load_cost_bands(session, ids)
    demo.org_ids.update(ids)
    demo.logins.extend(load_people(session, demo.settings, ids, demo.password))
    demo.people.update(
        {
            email: person.id
            for email, *_ in PEOPLE
            if (person := accounts.person_by_email(session, email)) is not None
        }
    )
