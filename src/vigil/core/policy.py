"""THE access rule (DOMAIN.md, TLP 2.0 as access rules): principal x record -> may read, in SQL.

Every list, detail page, export and feed of a shareable record is filtered by `scope()`, so the
rule lives here once. A record's references to other shareable records (an incident's site, a
report's incident) pass through the same rule with `references()`: the id of a record the
reader may not read is not shown. Who belongs where (memberships, parent organisations,
networks) comes with the principal, loaded by the organisations domain, so the rule reads no
domain's tables: only the records and their recipients.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVarTuple

from sqlalchemy import (
    Column,
    ColumnElement,
    ForeignKey,
    Integer,
    Select,
    String,
    Table,
    and_,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from vigil.core.db import Base
from vigil.core.errors import N_, Forbidden, Invalid, Term


class TLP(enum.StrEnum):
    """TLP 2.0 levels; the order is strictest first."""

    red = "red"
    amber_strict = "amber+strict"
    amber = "amber"
    green = "green"
    clear = "clear"


DEFAULT_TLP = TLP.amber_strict


class Role(enum.StrEnum):
    """Roles inside an organisation, lowest to highest; each has the rights of those below."""

    viewer = "viewer"
    reporter = "reporter"
    analyst = "analyst"
    coordinator = "coordinator"
    org_admin = "org_admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    @property
    def name_term(self) -> Term:
        """The role's name as messages show it, in the reader's language (as the pages' role
        labels)."""
        return Term(ROLE_NAMES[self])

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


ROLE_NAMES = {
    Role.viewer: N_("Viewer"),
    Role.reporter: N_("Reporter"),
    Role.analyst: N_("Analyst"),
    Role.coordinator: N_("Coordinator"),
    Role.org_admin: N_("Organisation admin"),
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: a person with roles per organisation, or the anonymous public."""

    person_id: int | None = None
    roles: dict[int, Role] = field(default_factory=dict)
    # Organisations the person is in, plus every ancestor of those (AMBER reaches descendants).
    ancestor_org_ids: frozenset[int] = frozenset()
    # Organisations in a network with one of the person's, theirs included (GREEN reaches them).
    network_org_ids: frozenset[int] = frozenset()
    acting_org_id: int | None = None
    is_platform_admin: bool = False
    name: str = "anonymous"

    @property
    def is_anonymous(self) -> bool:
        return self.person_id is None and not self.is_platform_admin

    @property
    def org_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    def role_in(self, org_id: int | None) -> Role | None:
        return None if org_id is None else self.roles.get(org_id)

    def has_role(self, org_id: int | None, role: Role) -> bool:
        held = self.role_in(org_id)
        return held is not None and held.at_least(role)


ANONYMOUS = Principal()
# The command line acting as the operator: manages accounts, reads no organisation's records.
SYSTEM = Principal(is_platform_admin=True, name="system")


def acting_org(principal: Principal, role: Role) -> int:
    """The organisation a new record is created for (DECISIONS 5), checked for `role`."""
    org_id = principal.acting_org_id
    if org_id is None:
        raise Invalid(
            "X-Vigil-Org", "you belong to several organisations: say which one you act for"
        )
    if not principal.has_role(org_id, role):
        raise Forbidden(
            "This needs the role %(role)s or higher in your organisation.", role=role.name_term
        )
    return org_id


def recipients_table(record_table: str) -> Table:
    """The explicit recipients (organisations or people) of one shareable model's records."""
    return Table(
        f"{record_table}_recipients",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column(
            "record_id",
            ForeignKey(f"{record_table}.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), index=True),
        Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), index=True),
    )


class Shareable:
    """Columns every shareable record carries; subclasses set `__recipients__`."""

    __recipients__: ClassVar[Table]

    @declared_attr
    def owner_org_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id"), index=True)

    @declared_attr
    def author_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("people.id", ondelete="SET NULL"))

    @declared_attr
    def tlp(cls) -> Mapped[str]:
        return mapped_column(String(16), default=DEFAULT_TLP.value, index=True)


Ts = TypeVarTuple("Ts")


def visible_clause(
    model: Any,
    principal: Principal,
    *,
    within: Callable[[ColumnElement[int]], ColumnElement[bool]] | None = None,
) -> ColumnElement[bool]:
    """The SQL condition under which `principal` may read a row of `model`.

    Built monotone (DECISIONS 4): each looser level admits everyone of the stricter ones.
    `within` is for a caller that tests a few rows it names: given the recipients' record id
    column, the condition that it is one of those rows. The recipient look-ups then read those
    rows' recipients alone, instead of every recipient row naming the principal (a set hashed
    for each query, the size of what is shared with it).
    """
    tlp = model.tlp
    clear = tlp == TLP.clear.value
    if principal.person_id is None:
        return clear
    rec = model.__recipients__
    member_orgs = list(principal.org_ids)
    coordinator_orgs = [o for o, r in principal.roles.items() if r.at_least(Role.coordinator)]

    def recipient(cond: ColumnElement[bool]) -> ColumnElement[bool]:
        # `id IN (uncorrelated subquery)` rather than a correlated EXISTS: the same rows, but
        # PostgreSQL plans it as one hashed set and costs it as such. The EXISTS form was costed
        # per row, ~20 times the rest of the query, which steered the planner away from
        # index-only scans (docs/performance.md, "The incident list on a million incidents").
        found = select(rec.c.record_id).where(cond)
        if within is not None:
            found = found.where(within(rec.c.record_id))
        return model.id.in_(found)

    named_person = recipient(rec.c.person_id == principal.person_id)
    if not member_orgs:
        return or_(clear, named_person)
    in_owner_org = model.owner_org_id.in_(member_orgs)
    owner_coordinator = model.owner_org_id.in_(coordinator_orgs) if coordinator_orgs else false()
    strict_or_looser = tlp.in_([TLP.amber_strict.value, TLP.amber.value, TLP.green.value])
    amber_or_looser = tlp.in_([TLP.amber.value, TLP.green.value])
    # AMBER reaches the organisations below a recipient: the ancestors' recipient rows are
    # read at AMBER; the member organisations' own are read already, at AMBER+STRICT and up.
    ancestors = sorted(principal.ancestor_org_ids - principal.org_ids)
    named_ancestor = recipient(rec.c.org_id.in_(ancestors)) if ancestors else false()
    network_orgs = sorted(principal.network_org_ids)
    owner_in_my_network = model.owner_org_id.in_(network_orgs) if network_orgs else false()
    return or_(
        clear,
        named_person,
        and_(in_owner_org, tlp != TLP.red.value),
        owner_coordinator,
        and_(in_owner_org, model.author_id == principal.person_id),
        and_(strict_or_looser, recipient(rec.c.org_id.in_(member_orgs))),
        and_(amber_or_looser, named_ancestor),
        and_(tlp == TLP.green.value, owner_in_my_network),
    )


def scope(stmt: Select[*Ts], model: Any, principal: Principal) -> Select[*Ts]:
    """Narrow any SELECT over `model` to the rows `principal` may read."""
    return stmt.where(visible_clause(model, principal))


# Ids looked up per query: a page of results (at most 500 rows) is one query per model.
REFERENCE_IDS_PER_QUERY = 1000


def readable_ids(
    session: Session, principal: Principal, model: Any, ids: Iterable[int | None]
) -> frozenset[int]:
    """The ids among `ids` of `model` rows that `principal` may read, by the rule of `scope()`."""
    wanted = sorted({i for i in ids if i is not None})
    found: set[int] = set()
    for start in range(0, len(wanted), REFERENCE_IDS_PER_QUERY):
        chunk = wanted[start : start + REFERENCE_IDS_PER_QUERY]
        stmt = scope(select(model.id).where(model.id.in_(chunk)), model, principal)
        found.update(session.scalars(stmt))
    return frozenset(found)


@dataclass(frozen=True)
class References:
    """What a page of output refers to, as its reader may see it.

    An output that carries the id of another shareable record shows it through `shown()`: the
    id when the reader may read that record, None when not, so that not even its id reaches
    them. Pages say "a site you cannot see" where a reference there shows as None.
    """

    readable: Mapping[Any, frozenset[int]] = field(default_factory=dict)

    def shown(self, model: Any, record_id: int | None) -> int | None:
        return record_id if record_id in self.readable.get(model, frozenset()) else None


def references(
    session: Session, principal: Principal, wanted: Iterable[tuple[Any, int | None]]
) -> References:
    """Resolve every (model, id) a page of output refers to: one query per model, never per row."""
    by_model: dict[Any, set[int]] = {}
    for model, record_id in wanted:
        if record_id is not None:
            by_model.setdefault(model, set()).add(record_id)
    return References(
        {model: readable_ids(session, principal, model, ids) for model, ids in by_model.items()}
    )
