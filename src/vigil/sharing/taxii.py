"""TAXII 2.1 reads: collections as audiences, and pages of the STIX store seen through them.

A collection is not a copy of anything: it is a condition on the store's rows (CLEAR objects;
a network's GREEN objects; an organisation's objects for its partners, AMBER+STRICT, AMBER
and GREEN), and a client
sees in it exactly the rows `core.policy.visible_clause` lets its principal read, in the same
SQL. Pages are keyset-based on (date added, row id), so a deep page costs what the first does.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Row, Select, and_, exists, false, or_, select, true, tuple_
from sqlalchemy.orm import Session, aliased

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


@dataclass(frozen=True)
class ObjectFilter:
    """The query of a TAXII objects, manifest or object request."""

    added_after: dt.datetime | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()
    limit: int = DEFAULT_PAGE
    next: str | None = None


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


def _cursor(row_date: dt.datetime, row_id: int) -> str:
    raw = f"{version_text(row_date)}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after_cursor(token: str) -> ColumnElement[bool]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, row_id = raw.split("|")
        key = (parse_timestamp("next", moment), int(row_id))
    except (ValueError, binascii.Error, UnicodeDecodeError, Invalid) as exc:
        raise Invalid("next", "is not a cursor this server gave") from exc
    return tuple_(StixObject.date_added, StixObject.id) > tuple_(*key)


def _version_clause(versions: tuple[str, ...]) -> ColumnElement[bool]:
    other = aliased(StixObject)
    clauses: list[ColumnElement[bool]] = []
    stamps: list[str] = []
    for version in versions:
        if version == "all":
            return true()
        if version == "last":
            newer = (other.stix_id == StixObject.stix_id) & (other.version > StixObject.version)
            clauses.append(~exists().where(newer))
        elif version == "first":
            older = (other.stix_id == StixObject.stix_id) & (other.version < StixObject.version)
            clauses.append(~exists().where(older))
        else:
            stamps.append(version_text(parse_timestamp("match[version]", version)))
    if stamps:
        clauses.append(StixObject.version.in_(stamps))
    return or_(*clauses) if clauses else false()


# What an answer needs of a row, read as plain tuples: a page of 1,000 ORM objects cost more
# Python than the query itself.
PAGE_COLUMNS = (
    StixObject.id,
    StixObject.date_added,
    StixObject.stix_id,
    StixObject.version,
    StixObject.body,
)
PageRow = tuple[int, dt.datetime, str, str, str]


def filtered(collection: Collection, principal: Principal, query: ObjectFilter) -> Select[*PageRow]:
    """The collection's rows `principal` may read that match the query, in paging order."""
    stmt = select(*PAGE_COLUMNS).where(collection.holds, visible_clause(StixObject, principal))
    if query.added_after is not None:
        stmt = stmt.where(StixObject.date_added > query.added_after)
    if query.ids:
        stmt = stmt.where(StixObject.stix_id.in_(query.ids))
    if query.types:
        stmt = stmt.where(StixObject.stix_type.in_(query.types))
    if query.spec_versions:
        stmt = stmt.where(StixObject.spec_version.in_(query.spec_versions))
    if query.versions != ("all",):
        stmt = stmt.where(_version_clause(query.versions))
    if query.next:
        stmt = stmt.where(_after_cursor(query.next))
    return stmt.order_by(StixObject.date_added, StixObject.id)


@dataclass(frozen=True)
class Page:
    rows: list[Row[*PageRow]]
    more: bool
    next: str | None

    @property
    def first_added(self) -> dt.datetime | None:
        return self.rows[0].date_added if self.rows else None

    @property
    def last_added(self) -> dt.datetime | None:
        return self.rows[-1].date_added if self.rows else None


def page_of(
    session: Session, collection: Collection, principal: Principal, query: ObjectFilter
) -> Page:
    """One page: up to `limit` rows, whether there are more, and the cursor to them."""
    limit = max(1, min(query.limit, MAX_PAGE))
    rows = list(session.execute(filtered(collection, principal, query).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = _cursor(rows[-1].date_added, rows[-1].id) if more else None
    return Page(rows=rows, more=more, next=cursor)


def objects_envelope(page: Page) -> str:
    """The page as a TAXII envelope, its objects spliced in as stored (never re-encoded)."""
    head = f'{{"more":true,"next":"{page.next}",' if page.more else '{"more":false,'
    return head + '"objects":[' + ",".join(r.body for r in page.rows) + "]}"


def manifest(page: Page) -> dict[str, object]:
    body: dict[str, object] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    body["objects"] = [
        {
            "id": r.stix_id,
            "date_added": taxii_time(r.date_added),
            "version": taxii_time(r.version),
            "media_type": STIX_MEDIA,
        }
        for r in page.rows
    ]
    return body


def versions(page: Page) -> dict[str, object]:
    body: dict[str, object] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    body["versions"] = [taxii_time(r.version) for r in page.rows]
    return body
