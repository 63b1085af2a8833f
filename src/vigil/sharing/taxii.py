"""TAXII 2.1 reads: collections as audiences, and pages of the STIX store seen through them.

A collection is not a copy of anything: it is a condition on the store's rows (CLEAR objects;
a network's GREEN objects; an organisation's objects for its partners, AMBER+STRICT, AMBER
and GREEN), and a client
sees in it exactly the rows `core.policy.visible_clause` lets its principal read, in the same
SQL. Its pages are `taxii_paging`'.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.errors import Invalid, NotFound
from vigil.core.policy import TLP, Principal, visible_clause
from vigil.orgs import service as orgs_service
from vigil.sharing.ids import instance_namespace
from vigil.sharing.models import StixObject

MAX_PAGE = 1000
DEFAULT_PAGE = 1000
STIX_MEDIA = "application/stix+json;version=2.1"
TAXII_MEDIA = "application/taxii+json;version=2.1"
# An organisation's collection: what it shares with named partners (GREEN too: a partner named
# on a GREEN record reads it without being in the owner's network).
PARTNER_LEVELS = (TLP.amber_strict.value, TLP.amber.value, TLP.green.value)


@dataclass(frozen=True)
class Collection:
    """One audience: which rows of the store it holds, and what its client may do with it."""

    id: str
    title: str
    description: str
    can_read: bool
    can_write: bool
    holds: ColumnElement[bool] = field(compare=False)
    # The organisation whose collection it is (POST lands there); None for CLEAR and networks.
    org_id: int | None = None
    # The audience (`clear`, `network`, `organisation`) and the network's or organisation's
    # name, for pages that describe the collection in the reader's language (the TAXII title
    # and description stay English).
    audience: str = ""
    name: str = ""

    def as_taxii(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "can_read": self.can_read,
            "can_write": self.can_write,
            "media_types": [STIX_MEDIA],
        }


# Collection id -> audience, for every id computed. The id is a pure function of the
# instance's namespace and the audience, so an entry never goes stale; it lets a request for
# one collection check that audience alone instead of listing every collection, which looks
# across the whole store for the organisations sharing with the client (an O(store) scan that
# would otherwise run on every page).
_AUDIENCES: dict[str, str] = {}
AUDIENCES_KEPT = 100_000


def collection_id(settings: Settings, audience: str) -> str:
    """A collection's id: stable, from the instance's namespace (`clear`, `network:N`,
    `organisation:N`)."""
    found = str(uuid.uuid5(instance_namespace(settings), f"taxii-collection:{audience}"))
    if len(_AUDIENCES) >= AUDIENCES_KEPT:
        _AUDIENCES.clear()
    _AUDIENCES[found] = audience
    return found


def _clear_collection(settings: Settings) -> Collection:
    return Collection(
        id=collection_id(settings, "clear"),
        title="TLP:CLEAR",
        description="Objects anyone may read.",
        can_read=True,
        can_write=False,
        holds=StixObject.tlp == TLP.clear.value,
        audience="clear",
    )


def _network_collections(
    session: Session, settings: Settings, principal: Principal
) -> list[Collection]:
    return [
        Collection(
            id=collection_id(settings, f"network:{network.id}"),
            title=f"TLP:GREEN {network.name}",
            description=f"Objects the members of {network.name} share with the network.",
            can_read=True,
            can_write=False,
            holds=and_(
                StixObject.tlp == TLP.green.value,
                StixObject.owner_org_id.in_(network.organisation_ids),
            ),
            audience="network",
            name=network.name,
        )
        for network in orgs_service.list_networks(session=session, principal=principal)
        if set(network.organisation_ids) & principal.org_ids
    ]


def _organisation_collections(
    session: Session, settings: Settings, principal: Principal, org_ids: set[int]
) -> list[Collection]:
    return [
        Collection(
            id=collection_id(settings, f"organisation:{org.id}"),
            title=f"{org.name} for its partners",
            description=f"AMBER+STRICT, AMBER and GREEN objects of {org.name} you may read, "
            "and its identity.",
            can_read=True,
            can_write=org.id in principal.org_ids,
            holds=and_(
                StixObject.owner_org_id == org.id,
                # Its own identity (CLEAR) too: a peer pulling this collection alone learns the
                # name of the organisation its objects' created_by_ref point to.
                or_(StixObject.tlp.in_(PARTNER_LEVELS), StixObject.record_kind == "organisation"),
            ),
            org_id=org.id,
            audience="organisation",
            name=org.name,
        )
        for org in orgs_service.record_owners(session=session, org_ids=org_ids)
    ]


def _shared_with(principal: Principal) -> ColumnElement[bool]:
    return and_(StixObject.tlp.in_(PARTNER_LEVELS), visible_clause(StixObject, principal))


def collections_of(session: Session, settings: Settings, principal: Principal) -> list[Collection]:
    """The collections `principal` may read: CLEAR, its networks' GREEN, its organisations'
    own, and that of every organisation that shares objects with it by name or network."""
    sharing_with_me = set(
        session.scalars(select(StixObject.owner_org_id).where(_shared_with(principal)).distinct())
    )
    owners = {o for o in sharing_with_me if o is not None} | principal.org_ids
    return [
        _clear_collection(settings),
        *_network_collections(session, settings, principal),
        *_organisation_collections(session, settings, principal, owners),
    ]


def _audience_collection(
    session: Session, settings: Settings, principal: Principal, audience: str
) -> Collection | None:
    """The collection of one audience if `principal` may read it: the test `collections_of`
    applies, for that audience only (an organisation's collection: one of its shared objects
    is enough, found by an indexed query that stops at the first)."""
    kind, _, number = audience.partition(":")
    if kind == "clear":
        return _clear_collection(settings)
    if kind == "network":
        mine = _network_collections(session, settings, principal)
        return next((c for c in mine if c.id == collection_id(settings, audience)), None)
    org_id = int(number)
    if org_id not in principal.org_ids:
        shared = select(StixObject.id).where(
            StixObject.owner_org_id == org_id, _shared_with(principal)
        )
        if session.scalar(shared.limit(1)) is None:
            return None
    found = _organisation_collections(session, settings, principal, {org_id})
    return found[0] if found else None


def partner_collection(
    session: Session, settings: Settings, principal: Principal, wanted: str
) -> Collection | None:
    """The collection of an organisation other than the client's, built without the look for
    an object it shares with the client that `get_collection` makes: for a page whose rows are
    that proof (`taxii_paging.collection_page`). None for any other collection."""
    audience = _AUDIENCES.get(wanted)
    if audience is None or collection_id(settings, audience) != wanted:
        return None
    kind, _, number = audience.partition(":")
    if kind != "organisation" or int(number) in principal.org_ids:
        return None
    found = _organisation_collections(session, settings, principal, {int(number)})
    return found[0] if found else None


def get_collection(
    session: Session, settings: Settings, principal: Principal, wanted: str
) -> Collection:
    audience = _AUDIENCES.get(wanted)
    if audience is not None and collection_id(settings, audience) == wanted:
        found = _audience_collection(session, settings, principal, audience)
    else:
        found = next(
            (c for c in collections_of(session, settings, principal) if c.id == wanted), None
        )
    if found is None:
        raise NotFound("No such collection, or you may not read it.")
    return found


def parse_timestamp(name: str, raw: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(name, "must be a timestamp like 2026-01-31T12:00:00.000Z") from exc
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


VERSION_WIDTH = len("2026-01-31T12:00:00.000000Z")


def version_text(moment: dt.datetime) -> str:
    """Fixed-width UTC text, the store's `version` format (text order is time order)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def taxii_time(value: str | dt.datetime) -> str:
    """A timestamp as TAXII shows it: milliseconds when that is exact, else microseconds."""
    if (
        isinstance(value, str)
        and len(value) == VERSION_WIDTH
        and value[10] + value[19] + value[-1] == "T.Z"
    ):
        text = value  # already the store's fixed-width UTC text: no parsing, per object
    else:
        moment = parse_timestamp("time", value) if isinstance(value, str) else value
        text = version_text(moment)
    return text[:-4] + "Z" if text.endswith("000Z") else text
