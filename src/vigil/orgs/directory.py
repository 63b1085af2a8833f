"""What the other domains read of organisations and people: names and addresses by id, in one
query for many ids or as a subquery to join, and the organisations open to public reports.

No access rule here: the callers show these on records their reader may already read, or use
them as the system (alert deliveries). Re-exported by `vigil.orgs.service`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Subquery, select
from sqlalchemy.orm import Session

from vigil.orgs.models import Organisation, Person


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


def person_names(*, session: Session, person_ids: Iterable[int]) -> dict[int, str]:
    """The names of the people, by id (unknown ids are left out)."""
    wanted = set(person_ids)
    if not wanted:
        return {}
    rows = session.execute(select(Person.id, Person.name).where(Person.id.in_(wanted)))
    return {person_id: name for person_id, name in rows}


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
