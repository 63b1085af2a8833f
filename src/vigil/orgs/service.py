"""Organisations, networks and memberships: who may manage whom, and the invitations flow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role
from vigil.orgs import mails
from vigil.orgs.links import INVITATION_LINK, new_link
from vigil.orgs.models import Invitation, Membership, Network, Organisation, Person, network_members
from vigil.orgs.principals import zone_of_organisation
from vigil.orgs.schemas import (
    InvitationCreate,
    MemberRead,
    NetworkCreate,
    NetworkRead,
    OrganisationCreate,
    OrganisationRead,
)

INVITATION_DAYS = 7


def organisation_read(org: Organisation) -> OrganisationRead:
    return OrganisationRead(
        id=org.id,
        slug=org.slug,
        name=org.name,
        kind=org.kind,
        country=org.country,
        parent_id=org.parent_id,
        accepts_public_reports=org.accepts_public_reports,
        national_threat_level=org.national_threat_level,
        networks=[n.slug for n in org.networks],
        default_locale=org.default_locale,
        time_zone=org.time_zone,
        shown_time_zone=organisation_zone(org),
        public_location_precision_m=org.public_location_precision_m,
    )


def organisation_zone(org: Organisation) -> str:
    return zone_of_organisation(org.time_zone, org.country)


def require_platform_admin(principal: Principal) -> None:
    if not principal.is_platform_admin:
        raise Forbidden("Only a platform administrator may do this.")


def require_org_admin(principal: Principal, org_id: int) -> None:
    if not (principal.is_platform_admin or principal.has_role(org_id, Role.org_admin)):
        raise Forbidden("Only an administrator of this organisation may do this.")


def create_organisation(
    *, session: Session, principal: Principal, data: OrganisationCreate
) -> Organisation:
    require_platform_admin(principal)
    if data.parent_id is not None and session.get(Organisation, data.parent_id) is None:
        raise Invalid("parent_id", "no organisation with id %(id)s", id=data.parent_id)
    if session.scalar(select(Organisation.id).where(Organisation.slug == data.slug)):
        raise Invalid("slug", "an organisation with slug '%(slug)s' already exists", slug=data.slug)
    org = Organisation(**data.model_dump())
    session.add(org)
    session.flush()
    audit.log_action(
        session,
        principal,
        "org.create",
        target_type="organisation",
        target_id=org.id,
        org_id=org.id,
        detail={"slug": org.slug, "kind": org.kind},
    )
    return org


def visible_organisation_ids(session: Session, principal: Principal) -> list[int] | None:
    """Organisations a person may see in the directory: their own, their ancestors and
    children, and every organisation of a network they share; None means all (platform admin)."""
    if principal.is_platform_admin:
        return None
    own = list(principal.org_ids)
    if not own:
        return []
    my_networks = select(network_members.c.network_id).where(network_members.c.org_id.in_(own))
    peers = select(network_members.c.org_id).where(network_members.c.network_id.in_(my_networks))
    children = select(Organisation.id).where(Organisation.parent_id.in_(own))
    ids = set(session.scalars(peers)) | set(session.scalars(children))
    return sorted(ids | set(principal.ancestor_org_ids))


def list_organisations(*, session: Session, principal: Principal) -> list[Organisation]:
    stmt = (
        select(Organisation)
        .options(selectinload(Organisation.networks))
        .order_by(Organisation.name)
    )
    ids = visible_organisation_ids(session, principal)
    if ids is not None:
        stmt = stmt.where(Organisation.id.in_(ids))
    return list(session.scalars(stmt))


def get_organisation(*, session: Session, principal: Principal, ref: int | str) -> Organisation:
    column = Organisation.id if isinstance(ref, int) else Organisation.slug
    org = session.scalar(
        select(Organisation).options(selectinload(Organisation.networks)).where(column == ref)
    )
    ids = visible_organisation_ids(session, principal)
    if org is None or (ids is not None and org.id not in ids):
        raise NotFound("No such organisation, or you may not see it.")
    return org


def acting_country(*, session: Session, principal: Principal) -> str:
    """The country (alpha-2) of the organisation the principal acts for, or "" when none."""
    if principal.acting_org_id is None:
        return ""
    org = get_organisation(session=session, principal=principal, ref=principal.acting_org_id)
    return org.country


def set_national_threat_level(
    *, session: Session, principal: Principal, org_id: int, level: int
) -> Organisation:
    """The organisation's declared threat level (1-5), which feeds every site's risk; a
    coordinator's or organisation admin's decision, audited."""
    org = get_organisation(session=session, principal=principal, ref=org_id)
    if not principal.has_role(org.id, Role.coordinator):
        raise Forbidden("Only a coordinator or admin of this organisation may declare its level.")
    if not 1 <= level <= 5:
        raise Invalid("national_threat_level", "must be from 1 (low) to 5 (critical)")
    before = org.national_threat_level
    org.national_threat_level = level
    audit.log_action(
        session,
        principal,
        "org.threat_level",
        target_type="organisation",
        target_id=org.id,
        org_id=org.id,
        detail={"from": before, "to": level},
    )
    return org


def list_members(*, session: Session, principal: Principal, org_id: int) -> list[MemberRead]:
    if not (principal.is_platform_admin or org_id in principal.org_ids):
        raise Forbidden("Only members of this organisation may see its members.")
    rows = session.execute(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.org_id == org_id)
        .order_by(Person.name)
    ).all()
    return [
        MemberRead(
            person_id=p.id, name=p.name, email=p.email, role=Role(m.role), since=m.created_at
        )
        for m, p in rows
    ]


def _admin_count(session: Session, org_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                Membership.org_id == org_id, Membership.role == Role.org_admin.value
            )
        )
        or 0
    )


def _membership(session: Session, org_id: int, person_id: int) -> Membership:
    found = session.scalar(
        select(Membership).where(Membership.org_id == org_id, Membership.person_id == person_id)
    )
    if found is None:
        raise NotFound("This person is not a member of the organisation.")
    return found


def set_role(
    *, session: Session, principal: Principal, org_id: int, person_id: int, role: Role
) -> Membership:
    require_org_admin(principal, org_id)
    membership = _membership(session, org_id, person_id)
    old = Role(membership.role)
    if old == Role.org_admin and role != Role.org_admin and _admin_count(session, org_id) <= 1:
        raise Conflict("An organisation needs at least one administrator; appoint another first.")
    membership.role = role.value
    audit.log_action(
        session,
        principal,
        "membership.role",
        target_type="person",
        target_id=person_id,
        org_id=org_id,
        detail={"from": old.value, "to": role.value},
    )
    return membership


def remove_member(*, session: Session, principal: Principal, org_id: int, person_id: int) -> None:
    require_org_admin(principal, org_id)
    membership = _membership(session, org_id, person_id)
    if membership.role == Role.org_admin and _admin_count(session, org_id) <= 1:
        raise Conflict("The last administrator of an organisation cannot be removed.")
    session.delete(membership)
    audit.log_action(
        session,
        principal,
        "membership.remove",
        target_type="person",
        target_id=person_id,
        org_id=org_id,
    )


def add_member(
    *, session: Session, principal: Principal, org_id: int, person: Person, role: Role
) -> Membership:
    """Direct membership (CLI and demo data); people join through invitations otherwise."""
    require_org_admin(principal, org_id)
    existing = session.scalar(
        select(Membership).where(Membership.org_id == org_id, Membership.person_id == person.id)
    )
    if existing is not None:
        existing.role = role.value
        return existing
    membership = Membership(person_id=person.id, org_id=org_id, role=role.value)
    session.add(membership)
    session.flush()
    audit.log_action(
        session,
        principal,
        "membership.add",
        target_type="person",
        target_id=person.id,
        org_id=org_id,
        detail={"role": role.value},
    )
    return membership


def invite(
    *,
    session: Session,
    principal: Principal,
    org_id: int,
    data: InvitationCreate,
    settings: Settings,
) -> None:
    """E-mail an invitation link. Answers the same whether or not the address has an account."""
    require_org_admin(principal, org_id)
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    email = data.email.lower()
    expires = utcnow() + dt.timedelta(days=INVITATION_DAYS)
    token, hashed = new_link(
        secret_key=settings.secret_key, purpose=INVITATION_LINK, expires=expires
    )
    invitation = Invitation(
        org_id=org_id,
        email=email,
        role=data.role.value,
        token_hash=hashed,
        invited_by_id=principal.person_id,
        expires_at=expires,
    )
    session.add(invitation)
    session.flush()
    mails.queue_invitation_mail(
        session,
        org_id=org_id,
        org_name=org.name,
        inviter=principal.name,
        role=data.role.value,
        to=email,
        link=f"{settings.public_url}/invite/{token}",
        expires=expires,
    )
    audit.log_action(
        session,
        principal,
        "invitation.create",
        target_type="invitation",
        target_id=invitation.id,
        org_id=org_id,
        detail={"role": data.role.value},
    )


def create_network(*, session: Session, principal: Principal, data: NetworkCreate) -> Network:
    require_platform_admin(principal)
    network = Network(**data.model_dump())
    session.add(network)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Invalid(
            "slug", "a network with slug '%(slug)s' already exists", slug=data.slug
        ) from exc
    audit.log_action(
        session, principal, "network.create", target_type="network", target_id=network.id
    )
    return network


def add_to_network(*, session: Session, principal: Principal, network_id: int, org_id: int) -> None:
    require_platform_admin(principal)
    network = session.get(Network, network_id)
    org = session.get(Organisation, org_id)
    if network is None:
        raise NotFound("No network with id %(id)s.", id=network_id)
    if org is None:
        raise Invalid("org_id", "no organisation with id %(id)s", id=org_id)
    if org not in network.organisations:
        network.organisations.append(org)
        audit.log_action(
            session,
            principal,
            "network.join",
            target_type="network",
            target_id=network_id,
            org_id=org_id,
        )


def acting_networks(session: Session, principal: Principal) -> list[tuple[int, str]]:
    """(id, name) of the networks the acting organisation belongs to, by name: what a form
    offers to share with or count over."""
    if principal.acting_org_id is None:
        return []
    rows = session.execute(
        select(Network.id, Network.name)
        .join(network_members, network_members.c.network_id == Network.id)
        .where(network_members.c.org_id == principal.acting_org_id)
        .order_by(Network.name)
    ).all()
    return [(r[0], r[1]) for r in rows]


def list_networks(*, session: Session, principal: Principal) -> list[NetworkRead]:
    stmt = select(Network).options(selectinload(Network.organisations)).order_by(Network.name)
    if not principal.is_platform_admin:
        mine = select(network_members.c.network_id).where(
            network_members.c.org_id.in_(list(principal.org_ids))
        )
        stmt = stmt.where(Network.id.in_(mine))
    return [
        NetworkRead(
            id=n.id,
            slug=n.slug,
            name=n.name,
            description=n.description,
            organisation_ids=[o.id for o in n.organisations],
        )
        for n in session.scalars(stmt)
    ]


def network_of_member(
    *, session: Session, principal: Principal, network_id: int
) -> tuple[str, Select[int]]:
    """The network's name and a subquery of its member organisations, when one of the
    principal's organisations belongs to it (else NotFound): what counting over a network
    may cover, composed into the caller's query."""
    name = session.scalar(
        select(Network.name)
        .join(network_members, network_members.c.network_id == Network.id)
        .where(Network.id == network_id, network_members.c.org_id.in_(principal.org_ids))
    )
    if name is None:
        raise NotFound("No such network among your organisation's networks.")
    return name, select(network_members.c.org_id).where(network_members.c.network_id == network_id)


def record_owners(*, session: Session, org_ids: Iterable[int]) -> list[Organisation]:
    """The organisations that own records someone may read, whatever the directory shows them:
    a record is always shown with its owner's name (a notice's `owner_org_name`, a STIX
    object's `created_by_ref`), so the caller passes only owners of records it has read."""
    wanted = sorted(set(org_ids))
    if not wanted:
        return []
    return list(session.scalars(select(Organisation).where(Organisation.id.in_(wanted))))
