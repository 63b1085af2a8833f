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

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true, tuple_
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


def collection_id(settings: Settings, audience: str) -> str:
    """A collection's id: stable, from the instance's namespace (`clear`, `network:N`,
    `organisation:N`)."""
    return str(uuid.uuid5(instance_namespace(settings), f"taxii-collection:{audience}"))


def collections_of(session: Session, settings: Settings, principal: Principal) -> list[Collection]:
    """The collections `principal` may read: CLEAR, its networks' GREEN, its organisations'
    own, and that of every organisation that shares objects with it by name or network."""
    found = [
        Collection(
            id=collection_id(settings, "clear"),
            title="TLP:CLEAR",
            description="Objects anyone may read.",
            can_read=True,
            can_write=False,
            holds=StixObject.tlp == TLP.clear.value,
        )
    ]
    for network in orgs_service.list_networks(session=session, principal=principal):
        if not set(network.organisation_ids) & principal.org_ids:
            continue
        found.append(
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
        )
    sharing_with_me = set(
        session.scalars(
            select(StixObject.owner_org_id)
            .where(StixObject.tlp.in_(PARTNER_LEVELS), visible_clause(StixObject, principal))
            .distinct()
        )
    )
    owners = orgs_service.record_owners(
        session=session, org_ids={o for o in sharing_with_me if o is not None} | principal.org_ids
    )
    for org in owners:
        own = org.id in principal.org_ids
        found.append(
            Collection(
                id=collection_id(settings, f"organisation:{org.id}"),
                title=f"{org.name} for its partners",
                description=f"AMBER+STRICT, AMBER and GREEN objects of {org.name} you may read.",
                can_read=True,
                can_write=own,
                holds=and_(StixObject.owner_org_id == org.id, StixObject.tlp.in_(PARTNER_LEVELS)),
                org_id=org.id,
            )
        )
    return found


def get_collection(
    session: Session, settings: Settings, principal: Principal, wanted: str
) -> Collection:
    for found in collections_of(session, settings, principal):
        if found.id == wanted:
            return found
    raise NotFound("No such collection, or you may not read it.")


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


def version_text(moment: dt.datetime) -> str:
    """Fixed-width UTC text, the store's `version` format (text order is time order)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def taxii_time(value: str | dt.datetime) -> str:
    """A timestamp as TAXII shows it: milliseconds when that is exact, else microseconds."""
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


def filtered(
    collection: Collection, principal: Principal, query: ObjectFilter
) -> Select[StixObject]:
    """The collection's rows `principal` may read that match the query, in paging order."""
    stmt = select(StixObject).where(collection.holds, visible_clause(StixObject, principal))
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
    rows: list[StixObject]
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
    rows = list(session.scalars(filtered(collection, principal, query).limit(limit + 1)))
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
