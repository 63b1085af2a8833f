"""Who a person is, for other domains that show who did what or write to the people involved:
names and addresses by id, looked up in one query for a whole page or job, never per row.

These read no membership and check no access: the callers show names next to records the
reader was already allowed to read, and e-mail people their own records name.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import CompoundSelect, ScalarSelect, Select, SQLColumnExpression, select
from sqlalchemy.orm import Session

from vigil.orgs.models import Person


def person_names(*, session: Session, person_ids: Iterable[int]) -> dict[int, str]:
    """Names by id of the people among `person_ids` that exist (one query; none when empty)."""
    wanted = set(person_ids)
    if not wanted:
        return {}
    rows = session.execute(select(Person.id, Person.name).where(Person.id.in_(wanted))).all()
    return {person_id: name for person_id, name in rows}


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
