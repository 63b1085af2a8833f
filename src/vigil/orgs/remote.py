"""Remote organisations: the senders of records that arrive from outside (a STIX bundle, later a
peer instance), known by their STIX identity id (DECISIONS 30).

A remote organisation has no members; its records reach this instance's people as their
recipients, or (GREEN from a peer) through the networks a peer's link attaches it to.
It lives with the other organisations so that every record keeps one owner and `core.policy`
needs no special case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.policy import Principal
from vigil.core.transfer import write_rows
from vigil.orgs.models import Organisation, OrgKind, network_members

# STIX identity `sectors` (the industry-sector-ov vocabulary) that say what kind a sender is;
# any other sender is taken for a community security organisation, the usual partner.
KIND_OF_SECTOR = {
    "law-enforcement": OrgKind.police,
    "government-national": OrgKind.ministry,
    "government-regional": OrgKind.city,
    "government-local": OrgKind.city,
    "non-profit": OrgKind.ngo,
}
NAME_LENGTH = 200


def local_organisation_ids(session: Session) -> list[int]:
    """Every organisation of this instance (not remote): their records are made here."""
    return list(session.scalars(select(Organisation.id).where(Organisation.remote.is_(False))))


def remote_organisation_ids() -> Select[int]:
    """The remote organisations' ids, as a subquery for a caller's query of the records they
    made (the received records)."""
    return select(Organisation.id).where(Organisation.remote.is_(True))


def remote_organisations(session: Session, identity_ids: Iterable[str]) -> dict[str, int]:
    """The remote organisation id of each STIX identity id already known here."""
    wanted = sorted(set(identity_ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(Organisation.stix_identity_id, Organisation.id).where(
            Organisation.stix_identity_id.in_(wanted)
        )
    )
    return {identity_id: org_id for identity_id, org_id in rows if identity_id}


def remote_ids(session: Session, org_ids: Iterable[int]) -> set[int]:
    """Which of `org_ids` are remote organisations."""
    wanted = sorted(set(org_ids))
    if not wanted:
        return set()
    query = select(Organisation.id).where(Organisation.id.in_(wanted), Organisation.remote)
    return set(session.scalars(query))


def kind_of_sectors(sectors: Iterable[str]) -> OrgKind:
    for sector in sectors:
        if sector in KIND_OF_SECTOR:
            return KIND_OF_SECTOR[sector]
    return OrgKind.community_security


def remote_organisation(
    *,
    session: Session,
    principal: Principal,
    identity_id: str,
    name: str,
    sectors: Iterable[str] = (),
) -> int:
    """The remote organisation of a STIX identity: found by its id, renamed if the sender was,
    or created (audited, as the act of whoever brought its records in)."""
    name = " ".join(name.split())[:NAME_LENGTH] or identity_id
    org = session.scalar(select(Organisation).where(Organisation.stix_identity_id == identity_id))
    if org is not None:
        if org.name != name:
            org.name = name
        return org.id
    uuid_part = re.sub(r"[^0-9a-f]", "", identity_id.partition("--")[2].lower())[:16]
    org = Organisation(
        slug=f"stix-{uuid_part or 'unknown'}",
        name=name,
        kind=kind_of_sectors(sectors).value,
        country="",
        remote=True,
        stix_identity_id=identity_id,
    )
    session.add(org)
    session.flush()
    audit.log_action(
        session,
        principal,
        "org.remote.create",
        target_type="organisation",
        target_id=org.id,
        org_id=principal.acting_org_id,
        detail={"stix_identity_id": identity_id, "kind": org.kind},
    )
    return org.id


def join_networks(
    *, session: Session, principal: Principal, org_ids: Iterable[int], network_ids: Iterable[int]
) -> list[tuple[int, int]]:
    """Make remote organisations members of networks (a peer's GREEN reaches the networks its
    link is attached to); returns the (network, organisation) pairs added, each audited."""
    orgs, networks = sorted(set(org_ids)), sorted(set(network_ids))
    if not orgs or not networks:
        return []
    remote = set(
        session.scalars(
            select(Organisation.id).where(Organisation.id.in_(orgs), Organisation.remote.is_(True))
        )
    )
    held: set[tuple[int, int]] = set(
        session.execute(
            select(network_members.c.network_id, network_members.c.org_id).where(
                network_members.c.org_id.in_(sorted(remote)),
                network_members.c.network_id.in_(networks),
            )
        ).all()
    )
    added = [(n, o) for n in networks for o in sorted(remote) if (n, o) not in held]
    write_rows(session, network_members, [{"network_id": n, "org_id": o} for n, o in added])
    for network_id, org_id in added:
        audit.log_action(
            session,
            principal,
            "network.join",
            target_type="network",
            target_id=network_id,
            org_id=org_id,
            detail={"remote": True},
        )
    return added


def leave_networks(
    *, session: Session, principal: Principal, org_ids: Iterable[int], network_ids: Iterable[int]
) -> int:
    """Take remote organisations out of networks (a peer's link withdrawn); audited once with
    the pairs removed. Returns how many memberships ended."""
    orgs, networks = sorted(set(org_ids)), sorted(set(network_ids))
    if not orgs or not networks:
        return 0
    removed: list[tuple[int, int]] = list(
        session.execute(
            delete(network_members)
            .where(
                network_members.c.org_id.in_(
                    select(Organisation.id).where(
                        Organisation.id.in_(orgs), Organisation.remote.is_(True)
                    )
                ),
                network_members.c.network_id.in_(networks),
            )
            .returning(network_members.c.network_id, network_members.c.org_id)
        ).all()
    )
    if removed:
        audit.log_action(
            session,
            principal,
            "network.leave",
            target_type="network",
            detail={"remote": True, "memberships": sorted([n, o] for n, o in removed)},
        )
    return len(removed)
