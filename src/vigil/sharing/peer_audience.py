"""What a peer's link may be pushed: the rules of issue 14, as one SQL condition over the STIX
store and one check of each object on its way out.

- The link's organisations' own objects, at TLP up to the link's `max_push_tlp`
  (CLEAR < GREEN < AMBER < AMBER+STRICT); RED is never in the store, and never leaves anyway.
- The common objects every reader needs (TLP markings, the Vigil extension and its author).
- Objects received from elsewhere (records of remote organisations) go on only as far as the
  link's organisations could read them and TLP lets them travel: CLEAR; GREEN of a remote
  organisation in a network with one of them; AMBER only where one of them is a named
  recipient; AMBER+STRICT never (it reaches no second hop). They leave as stored, with their
  original id and `created_by_ref`, and never go back to the peer that brought them.
- An object a client POSTed goes out only if its owner made it (`created_by_ref` is the owner's
  identity): anything else posted came from somewhere we cannot tell, maybe a peer.
- Every object leaves marked exactly as its row: an object whose markings say anything else
  (none, where the row is not CLEAR; or another level) stays, so none leaves marked lower.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from vigil.core.config import Settings
from vigil.core.policy import TLP
from vigil.orgs import remote as remote_orgs
from vigil.orgs import service as orgs_service
from vigil.sharing import mapping
from vigil.sharing.ids import instance_namespace
from vigil.sharing.import_models import StixImport, StixImportObject
from vigil.sharing.markings import tlp_of_marking
from vigil.sharing.models import POSTED, StixObject
from vigil.sharing.peer_models import Peer, peer_organisations

LOOSEST_FIRST = [TLP.clear, TLP.green, TLP.amber, TLP.amber_strict]
# The most a received object may travel on at: AMBER+STRICT reaches no second hop.
RECEIVED_AT_MOST = TLP.amber
# Record kinds of the store whose records an import may have made (import_records.INCIDENTS).
IMPORTED_RECORD_TYPES = {"incident": "incidents"}
ORGANISATION = "organisation"


def pushable_tlps(max_push_tlp: str) -> list[str]:
    """The levels a link with this `max_push_tlp` may push, loosest first; RED never."""
    ceiling = TLP(max_push_tlp)
    if ceiling is TLP.red:
        ceiling = TLP.amber_strict
    return [t.value for t in LOOSEST_FIRST[: LOOSEST_FIRST.index(ceiling) + 1]]


@dataclass(frozen=True)
class Audience:
    """One link's audience: its organisations, and what they may read of others."""

    peer_id: int
    org_ids: frozenset[int]
    local_org_ids: frozenset[int]  # every organisation of this instance
    green_org_ids: frozenset[int]  # organisations in a network with one of the link's
    tlps: tuple[str, ...]
    owner_refs: dict[int, str]  # the STIX identity id this instance gives each organisation


def audience_of(session: Session, settings: Settings, peer: Peer) -> Audience:
    org_ids = frozenset(
        session.scalars(
            select(peer_organisations.c.org_id).where(peer_organisations.c.peer_id == peer.id)
        )
    )
    green = set(org_ids)
    for org in orgs_service.record_owners(session=session, org_ids=org_ids):
        for network in org.networks:
            green.update(member.id for member in network.organisations)
    namespace = instance_namespace(settings)
    return Audience(
        peer_id=peer.id,
        org_ids=org_ids,
        local_org_ids=frozenset(remote_orgs.local_organisation_ids(session)),
        green_org_ids=frozenset(green),
        tlps=tuple(pushable_tlps(peer.max_push_tlp)),
        owner_refs={o: mapping.organisation_ref(namespace, o) for o in org_ids},
    )


def _brought_by(peer_id: int) -> ColumnElement[bool]:
    """The store row is an object this peer brought, was made from a record made of one, or is
    the identity of a sender it brought objects of. Uncorrelated `IN` subqueries, as in
    `core.policy`: each is computed once and hashed, not looked up row by row."""

    def brought(column: Any) -> Any:
        return (
            select(column)
            .join(StixImport, StixImport.id == StixImportObject.import_id)
            # No NULL in the set: `x NOT IN (..., NULL)` is never true.
            .where(StixImport.peer_id == peer_id, column.is_not(None))
        )

    by_record = [
        and_(
            StixObject.record_kind == kind,
            StixObject.record_id.in_(
                brought(StixImportObject.record_id).where(
                    StixImportObject.record_type == record_type
                )
            ),
        )
        for kind, record_type in IMPORTED_RECORD_TYPES.items()
    ]
    return or_(
        StixObject.stix_id.in_(brought(StixImportObject.stix_id)),
        *by_record,
        and_(
            StixObject.record_kind == ORGANISATION,
            StixObject.record_id.in_(brought(StixImportObject.sender_org_id)),
        ),
    )


def _readable_received(model: Any, audience: Audience) -> ColumnElement[bool]:
    """Rows of `model` owned by a remote organisation that the link's organisations could read
    and TLP lets travel on, at a level the link may push."""
    tlp, owner = model.tlp, model.owner_org_id
    at_most = LOOSEST_FIRST.index(RECEIVED_AT_MOST)
    received_tlps = [t for t in audience.tlps if LOOSEST_FIRST.index(TLP(t)) <= at_most]
    recipients = model.__recipients__
    named = model.id.in_(
        select(recipients.c.record_id).where(recipients.c.org_id.in_(sorted(audience.org_ids)))
    )
    return and_(
        owner.is_not(None),
        owner.not_in(sorted(audience.local_org_ids)),
        tlp.in_(received_tlps),
        or_(
            tlp == TLP.clear.value,
            and_(tlp == TLP.green.value, or_(owner.in_(sorted(audience.green_org_ids)), named)),
            and_(tlp == TLP.amber.value, named),
        ),
    )


def pushable_clause(audience: Audience) -> ColumnElement[bool]:
    """The store rows the link may be pushed (before the check of each object's markings).

    A remote organisation's identity goes with its objects: only while one of them may go."""
    other = aliased(StixObject)
    identity_goes = exists().where(
        other.owner_org_id == StixObject.owner_org_id,
        other.record_kind != ORGANISATION,
        _readable_received(other, audience),
    )
    received = and_(
        _readable_received(StixObject, audience),
        or_(StixObject.record_kind != ORGANISATION, identity_goes),
        ~_brought_by(audience.peer_id),
    )
    owner = StixObject.owner_org_id
    # A remote organisation named in a link still gets only the rules of received objects.
    own = owner.in_(sorted(audience.org_ids & audience.local_org_ids))
    return and_(StixObject.tlp.in_(list(audience.tlps)), or_(owner.is_(None), own, received))


def marked_as_stored(obj: dict[str, Any], tlp: str) -> bool:
    """Whether the object's markings say exactly the level its row was pushed for."""
    found = {t for t in map(tlp_of_marking, obj.get("object_marking_refs") or []) if t}
    if TLP.red in found:
        return False
    if not found:
        return tlp == TLP.clear.value
    strictest = max(found, key=LOOSEST_FIRST.index)
    return strictest.value == tlp


def may_leave(
    audience: Audience, obj: dict[str, Any], *, tlp: str, kind: str, owner: int | None
) -> bool:
    """The check of one object on its way out (see the module's rules)."""
    if not marked_as_stored(obj, tlp):
        return False
    if kind == POSTED:
        return owner is not None and obj.get("created_by_ref") == audience.owner_refs.get(owner)
    return True
