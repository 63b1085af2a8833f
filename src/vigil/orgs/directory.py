"""Who is who, as other domains read it: the names, slugs and threat levels of organisations, the
names, addresses and languages of people, and how organisations are related (children, networks).

These are lookups by id for records the caller already holds (an alert's sender, an
assessment's author), so they check no access: what the caller shows of them is its own rule.
Kept apart from `orgs.service`, which manages the directory, so readers need not import its
tables (issue 12).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import CompoundSelect, ScalarSelect, Select, SQLColumnExpression, Subquery, select
from sqlalchemy.orm import Session

from vigil.core.errors import NotFound
from vigil.core.policy import Role
from vigil.orgs.models import Membership, Organisation, Person, network_members


def organisation_slug(*, session: Session, org_id: int) -> str:
    """The slug that names an organisation outside Vigil, e.g. as a CAP message's sender."""
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("No organisation with id %(id)s.", id=org_id)
    return org.slug


def organisation_name(*, session: Session, org_id: int) -> str:
    """The organisation's name, or "" for one that is gone (reports print what is left)."""
    org = session.get(Organisation, org_id)
    return org.name if org is not None else ""


def national_threat_level(*, session: Session, org_id: int) -> int | None:
    """The threat level (1-5) the organisation declares; None for an organisation that is gone,
    so the caller chooses its default."""
    org = session.get(Organisation, org_id)
    return org.national_threat_level if org is not None else None


def threat_levels() -> Select[int, int]:
    """(organisation id, declared threat level) of every organisation, as a select to join: a
    batch over many sites reads their owners' levels in the same statement."""
    return select(Organisation.id, Organisation.national_threat_level)


def person_locale(*, session: Session, person_id: int) -> str | None:
    """The language a person chose (e.g. de, pt_BR); None if not set or the person is gone."""
    person = session.get(Person, person_id)
    return person.locale if person is not None and person.locale else None


def person_names(*, session: Session, person_ids: Iterable[int]) -> dict[int, str]:
    """Names of the given people that exist, in one query (who completed or approved something);
    none when empty."""
    wanted = set(person_ids)
    if not wanted:
        return {}
    rows = session.execute(select(Person.id, Person.name).where(Person.id.in_(wanted)))
    return {person_id: name for person_id, name in rows}


def erased_ids(*, session: Session, person_ids: Iterable[int | None]) -> set[int]:
    """Those of the given people who were erased (orgs.erasure): what their records and the
    audit entries they wrote show as their author is FORMER_MEMBER, not the name kept there."""
    wanted = {person_id for person_id in person_ids if person_id is not None}
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Person.id).where(Person.id.in_(wanted), Person.erased_at.is_not(None))
        )
    )


def active_emails(*, session: Session, person_ids: Collection[int]) -> dict[int, str]:
    """E-mail addresses of those of the given people whose accounts are active, in one query:
    a deactivated member receives no more messages."""
    rows = session.execute(
        select(Person.id, Person.email).where(
            Person.id.in_(set(person_ids)), Person.is_active.is_(True)
        )
    )
    return {person_id: email for person_id, email in rows}


def network_ids_of(*, session: Session, org_id: int) -> set[int]:
    """The networks the organisation belongs to."""
    return set(
        session.scalars(
            select(network_members.c.network_id).where(network_members.c.org_id == org_id)
        )
    )


def network_member_ids(*, session: Session, network_ids: Collection[int]) -> set[int]:
    """Every organisation in any of the given networks."""
    return set(
        session.scalars(
            select(network_members.c.org_id).where(network_members.c.network_id.in_(network_ids))
        )
    )


def descendant_ids(*, session: Session, org_id: int) -> set[int]:
    """The organisation's children, their children and so on (local branches, the site operators
    a security organisation protects), from one read of the whole tree."""
    children: dict[int, list[int]] = {}
    for child, parent in session.execute(select(Organisation.id, Organisation.parent_id)):
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[int] = set()
    frontier = [org_id]
    while frontier:
        nxt = [c for o in frontier for c in children.get(o, []) if c not in found]
        found.update(nxt)
        frontier = nxt
    return found


def name_of(*, person_id: SQLColumnExpression[int | None]) -> ScalarSelect[str]:
    """The name of the person whose id is in a column of the caller's query (null when none),
    so a list of records shows its authors in the same query."""
    return select(Person.name).where(Person.id == person_id).scalar_subquery()


def people_addresses(
    *, session: Session, person_ids: Select[int | None] | CompoundSelect[int | None]
) -> list[tuple[int, str, str]]:
    """(id, name, e-mail) of the people whose ids a subquery of the caller's selects, e.g. the
    holders of some tasks: the recipients of a job's e-mail in one query, in no given order."""
    rows = session.execute(
        select(Person.id, Person.name, Person.email).where(Person.id.in_(person_ids))
    )
    return [(person_id, name, email) for person_id, name, email in rows]


def organisation_names(*, session: Session, org_ids: Iterable[int]) -> dict[int, str]:
    """The names of the organisations, by id (unknown ids are left out)."""
    wanted = set(org_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
    )
    return {org_id: name for org_id, name in rows}


def organisation_names_subquery() -> Subquery:
    """Columns `id` and `name` of every organisation, for a query that lists records with
    their owner's name in one go."""
    return select(Organisation.id, Organisation.name).subquery("organisation_names")


def existing_person_ids(*, session: Session, person_ids: Iterable[int]) -> set[int]:
    """The ids among `person_ids` that name a person."""
    wanted = set(person_ids)
    if not wanted:
        return set()
    return set(session.scalars(select(Person.id).where(Person.id.in_(wanted))))


def person_emails_subquery() -> Subquery:
    """Columns `id` and `email` of every person, for a query that reaches members at their
    address in one go."""
    return select(Person.id, Person.email).subquery("person_emails")


def organisation_by_slug(*, session: Session, slug: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.slug == slug))


def public_report_organisations(*, session: Session) -> list[Organisation]:
    """The organisations whose anonymous report form is open, by name."""
    stmt = (
        select(Organisation)
        .where(Organisation.accepts_public_reports.is_(True))
        .order_by(Organisation.name)
    )
    return list(session.scalars(stmt))


def coordinator_addresses(*, session: Session, org_id: int) -> list[tuple[int, str, str, str]]:
    """(id, name, e-mail, language) of the organisation's active coordinators and admins, by id:
    whom the organisation's system messages (a high monitoring signal) are sent to."""
    rows = session.execute(
        select(Person.id, Person.name, Person.email, Person.locale)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.org_id == org_id,
            Membership.role.in_([Role.coordinator.value, Role.org_admin.value]),
            Person.is_active.is_(True),
        )
        .order_by(Person.id)
    )
    return [(person_id, name, email, locale or "") for person_id, name, email, locale in rows]
