"""A plain-Python reading of the TLP table in DOMAIN.md, written apart from `core.policy`.

The property tests (DECISIONS 15) compare what the SQL scoping lets each person read with what
this evaluator says; two independent writings of the same rule rarely share a mistake. It must
not import `vigil.core.policy`: a bug copied into both would make the comparison pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field

# Strictest first, as in FIRST TLP 2.0; a record at a looser level reaches everyone a
# stricter level reaches (DECISIONS 4), so each rule below says "this level or looser".
LEVELS = ("red", "amber+strict", "amber", "green", "clear")
COORDINATING_ROLES = frozenset({"coordinator", "org_admin"})


def looseness(tlp: str) -> int:
    return LEVELS.index(tlp)


@dataclass(frozen=True)
class OrgStructure:
    """Who hangs under whom, and which organisations share a network."""

    parent_of: Mapping[int, int | None] = field(default_factory=dict)
    network_orgs: Mapping[int, Set[int]] = field(default_factory=dict)

    def is_same_or_below(self, org: int, ancestor: int) -> bool:
        """True when `org` is `ancestor` or one of its children, grandchildren, ..."""
        seen: set[int] = set()
        current: int | None = org
        while current is not None and current not in seen:
            if current == ancestor:
                return True
            seen.add(current)
            current = self.parent_of.get(current)
        return False

    def share_a_network(self, org: int, other: int) -> bool:
        return any(org in orgs and other in orgs for orgs in self.network_orgs.values())


@dataclass(frozen=True)
class SharedRecord:
    owner_org: int
    author: int | None
    tlp: str
    recipient_orgs: frozenset[int] = frozenset()
    recipient_people: frozenset[int] = frozenset()


def may_read(
    person_id: int | None,
    memberships: Mapping[int, str],
    orgs: OrgStructure,
    record: SharedRecord,
) -> bool:
    """May this person (None: the anonymous public) read this record?

    `memberships` maps organisation id to the person's role there. Being a platform
    administrator is deliberately not an argument: it grants no reading (DECISIONS 4).
    """
    level = looseness(record.tlp)
    if record.tlp == "clear":
        return True
    if person_id is None:
        return False
    if person_id in record.recipient_people:
        return True

    owner_role = memberships.get(record.owner_org)
    if owner_role is not None:
        if record.tlp != "red":
            return True
        if record.author == person_id or owner_role in COORDINATING_ROLES:
            return True

    for org in memberships:
        if level >= looseness("amber+strict") and org in record.recipient_orgs:
            return True
        if level >= looseness("amber") and any(
            orgs.is_same_or_below(org, recipient) for recipient in record.recipient_orgs
        ):
            return True
        if level >= looseness("green") and orgs.share_a_network(org, record.owner_org):
            return True
    return False
