"""Pages of a TAXII collection: the store's rows a client may read, keyset-paged on (date
added, row id), so a deep page costs what the first does.

A page is read in one query over a window of the collection's next rows in paging order (the
request's filters applied, no access rule yet), each row of it tested against
`core.policy.visible_clause` with the recipient look-ups narrowed to the window. Tested over
the whole collection instead, the rule's recipient conditions are sets of every recipient row
naming the client, hashed anew for each page: at 200,000 objects that was half a page's time,
and grew with the store. A window whose rows the client may not all read is followed by a
larger one until the page is full, so a page holds exactly what the rule applied to the whole
collection would give, and its cursor points at a row the client read, as before.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    any_,
    case,
    exists,
    false,
    func,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from vigil.core.config import Settings
from vigil.core.errors import Invalid
from vigil.core.policy import Principal, visible_clause
from vigil.sharing import taxii
from vigil.sharing.models import StixObject
from vigil.sharing.taxii import Collection, parse_timestamp, taxii_time, version_text

MAX_PAGE = taxii.MAX_PAGE
DEFAULT_PAGE = taxii.DEFAULT_PAGE
# The largest window a page looks through at once, when the client may read few of its rows.
MAX_WINDOW = 16 * MAX_PAGE


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


Key = tuple[dt.datetime, int]


def _cursor(row_date: dt.datetime, row_id: int) -> str:
    raw = f"{version_text(row_date)}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_key(token: str) -> Key:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, row_id = raw.split("|")
        return parse_timestamp("next", moment), int(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError, Invalid) as exc:
        raise Invalid("next", "is not a cursor this server gave") from exc


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


def _window(collection: Collection, query: ObjectFilter, after: Key | None, size: int) -> Select:
    """The ids of the collection's next `size` rows matching the query, in paging order."""
    stmt = select(StixObject.id).where(collection.holds)
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
    if after is not None:
        stmt = stmt.where(tuple_(StixObject.date_added, StixObject.id) > tuple_(*after))
    return stmt.order_by(StixObject.date_added, StixObject.id).limit(size)


# What an answer needs of a row, read as plain tuples: a page of 1,000 ORM objects cost more
# Python than the query itself. `body` is NULL for a row of the window the client may not
# read (its JSON never leaves the database); `tlp` proves a partner's access (`collection_page`).
PageRow = tuple[int, dt.datetime, str, str, str, str | None]


def filtered(
    collection: Collection,
    principal: Principal,
    query: ObjectFilter,
    after: Key | None = None,
    size: int = MAX_PAGE + 1,
    *,
    dialect: str = "postgresql",
) -> Select[*PageRow]:
    """A window of the collection's rows matching the query, in paging order, each with its
    body when `principal` may read it (`core.policy.visible_clause`), else NULL."""
    window = _window(collection, query, after, size).cte("page_window")
    in_window = select(window.c.id)

    def among(record_id: ColumnElement[int]) -> ColumnElement[bool]:
        # PostgreSQL: `= ANY(ARRAY(window))` is planned as index probes of the window's rows;
        # `IN (window)` was planned as a scan of every recipient row naming the client (it
        # guesses 200 rows for a CTE), what the window is there to avoid.
        if dialect == "postgresql":
            return record_id == any_(func.array(in_window.scalar_subquery()))
        return record_id.in_(in_window)

    readable = visible_clause(StixObject, principal, within=among)
    return (
        select(
            StixObject.id,
            StixObject.date_added,
            StixObject.stix_id,
            StixObject.version,
            StixObject.tlp,
            case((readable, StixObject.body), else_=None).label("body"),
        )
        .where(StixObject.id.in_(in_window))
        .order_by(StixObject.date_added, StixObject.id)
    )


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
    """One page: up to `limit` rows the client may read, whether there are more, and the
    cursor to them (at the last row of the page)."""
    limit = max(1, min(query.limit, MAX_PAGE))
    after = _cursor_key(query.next) if query.next else None
    rows: list[Row[*PageRow]] = []
    size = limit + 1
    dialect = session.get_bind().dialect.name
    while len(rows) <= limit:
        stmt = filtered(collection, principal, query, after, size, dialect=dialect)
        window = list(session.execute(stmt))
        rows += [row for row in window if row.body is not None]
        if len(window) < size:
            break
        after = (window[-1].date_added, window[-1].id)
        size = min(2 * size, MAX_WINDOW)
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = _cursor(rows[-1].date_added, rows[-1].id) if more else None
    return Page(rows=rows, more=more, next=cursor)


def collection_page(
    session: Session, settings: Settings, principal: Principal, wanted: str, query: ObjectFilter
) -> tuple[Collection, Page]:
    """A collection the client may read and one page of it (NotFound when it may not).

    An organisation's collection is open to a partner while the organisation shares an object
    with it, which `taxii.get_collection` looks for (the access rule over the whole store,
    a tenth of a page's time). A page holding such an object is that proof already, so the
    look is made only for a page without one (empty, or the organisation's identity alone).
    """
    found = taxii.partner_collection(session, settings, principal, wanted)
    if found is not None:
        page = page_of(session, found, principal, query)
        if any(row.tlp in taxii.PARTNER_LEVELS for row in page.rows):
            return found, page
    checked = taxii.get_collection(session, settings, principal, wanted)
    if found is None:
        page = page_of(session, checked, principal, query)
    return checked, page


def objects_envelope(page: Page) -> str:
    """The page as a TAXII envelope, its objects spliced in as stored (never re-encoded)."""
    head = f'{{"more":true,"next":"{page.next}",' if page.more else '{"more":false,'
    return head + '"objects":[' + ",".join(str(r.body) for r in page.rows) + "]}"


def manifest(page: Page) -> dict[str, object]:
    body: dict[str, object] = {"more": page.more}
    if page.next:
        body["next"] = page.next
    body["objects"] = [
        {
            "id": r.stix_id,
            "date_added": taxii_time(r.date_added),
            "version": taxii_time(r.version),
            "media_type": taxii.STIX_MEDIA,
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
