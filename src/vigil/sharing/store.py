"""The STIX store behind TAXII: every object that may leave, kept as it would leave.

TAXII answers pages of objects by the thousand; mapping records on every request would cost
each page a read of every record before it. So the objects are kept in `stix_objects`, each
with its owner, TLP and recipients, and a TAXII read is one indexed query filtered by
`core.policy` in SQL. The store follows the records: a periodic task refreshes the records
edited since the newest it holds (with a margin for transactions that committed late), a
profile change refreshes its organisation's records (an outbox job), and `vigil sharing
rebuild` fills it for existing data. A record that turns RED loses its objects.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from vigil.core import jobs
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.policy import TLP
from vigil.core.transfer import allocate_ids, write_rows
from vigil.incidents import queries as incident_queries
from vigil.notices import service as notices_service
from vigil.orgs import service as orgs_service
from vigil.sharing import incident_links, mapping, peer_outbox
from vigil.sharing import service as sharing_service
from vigil.sharing.export import contexts_of
from vigil.sharing.extension import extension_definition, vigil_identity
from vigil.sharing.ids import instance_namespace
from vigil.sharing.markings import tlp2_marking_definition
from vigil.sharing.models import POSTED, StixObject

RECORDS_PER_BATCH = 500
# Records edited this long before the newest one held are looked at again: an edit stamped
# before a commit that came later is not missed.
LATE_COMMIT_MARGIN = dt.timedelta(minutes=2)
REFRESH_EVERY_SECONDS = 5.0
REFRESH_ORG_JOB = sharing_service.REFRESH_ORG_JOB
RECIPIENTS = StixObject.__recipients__


@dataclass(frozen=True)
class Entry:
    """The objects one record (or one organisation, or the common objects) leaves as."""

    kind: str
    record_id: int | None
    owner_org_id: int | None
    tlp: TLP
    recipient_orgs: frozenset[int]
    recipient_people: frozenset[int]
    objects: list[dict[str, Any]]
    source_updated_at: dt.datetime | None = None


def version_of(obj: dict[str, Any]) -> str:
    """The object's version (`modified`, else `created`) as fixed-width UTC text."""
    raw = obj.get("modified") or obj["created"]
    moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _row_recipients(session: Session, row_ids: list[int]) -> dict[int, tuple[frozenset[int], ...]]:
    found: dict[int, tuple[set[int], set[int]]] = {i: (set(), set()) for i in row_ids}
    if row_ids:
        rows = session.execute(
            select(RECIPIENTS.c.record_id, RECIPIENTS.c.org_id, RECIPIENTS.c.person_id).where(
                RECIPIENTS.c.record_id.in_(row_ids)
            )
        )
        for row_id, org_id, person_id in rows:
            if org_id is not None:
                found[row_id][0].add(org_id)
            if person_id is not None:
                found[row_id][1].add(person_id)
    return {i: (frozenset(o), frozenset(p)) for i, (o, p) in found.items()}


def _audience_rows(row_id: int, entry: Entry) -> list[dict[str, Any]]:
    rows = [{"record_id": row_id, "org_id": o, "person_id": None} for o in entry.recipient_orgs]
    rows += [{"record_id": row_id, "org_id": None, "person_id": p} for p in entry.recipient_people]
    return rows


def _write(
    session: Session,
    made: list[tuple[dict[str, Any], Entry]],
    replaced: list[tuple[StixObject, Entry]],
) -> None:
    """New rows and their recipients in bulk (ids allocated first, then a COPY each: a store
    of 100,000 records fills in seconds, not an INSERT and a flush a row); replaced rows are
    flushed by the caller, and their recipients deleted at once and written with the rest."""
    table: Any = StixObject.__table__
    ids = allocate_ids(session, table, len(made))
    write_rows(session, table, [{**row, "id": i} for i, (row, _) in zip(ids, made, strict=True)])
    audiences = [(i, entry) for i, (_, entry) in zip(ids, made, strict=True)]
    if replaced:
        old = [row.id for row, _ in replaced]
        session.execute(delete(RECIPIENTS).where(RECIPIENTS.c.record_id.in_(old)))
        audiences += [(row.id, entry) for row, entry in replaced]
    write_rows(session, RECIPIENTS, [r for i, e in audiences for r in _audience_rows(i, e)])


def _posted_copies(session: Session, entries: Sequence[Entry]) -> dict[tuple[str, str], StixObject]:
    """Objects clients POSTed that are versions of the entries' objects: a partner pushed what
    a pull (or an import) also brought here as a record, the same id and version."""
    wanted = sorted({o["id"] for e in entries if e.tlp is not TLP.red for o in e.objects})
    found: dict[tuple[str, str], StixObject] = {}
    for start in range(0, len(wanted), RECORDS_PER_BATCH):
        for row in session.scalars(
            select(StixObject).where(
                StixObject.record_kind == POSTED,
                StixObject.stix_id.in_(wanted[start : start + RECORDS_PER_BATCH]),
            )
        ):
            found[(row.stix_id, row.version)] = row
    return found


def put_entries(session: Session, kind: str, entries: Sequence[Entry]) -> int:
    """Make the store hold exactly `entries` for their records; returns the rows written.

    An object that did not change keeps its row and its date added; one that changed gets a
    new date added, so a client polling with `added_after` sees it again, and the peers that
    may get it get a push job in this transaction (`peer_outbox`)."""
    now = utcnow()
    owners: set[int | None] = set()
    ids = [e.record_id for e in entries]
    held: dict[int | None, dict[str, StixObject]] = {}
    for row in session.scalars(
        select(StixObject).where(StixObject.record_kind == kind, StixObject.record_id.in_(ids))
    ):
        held.setdefault(row.record_id, {})[row.stix_id] = row
    recipients = _row_recipients(session, [r.id for rows in held.values() for r in rows.values()])
    posted = _posted_copies(session, entries)
    made: list[tuple[dict[str, Any], Entry]] = []
    replaced: list[tuple[StixObject, Entry]] = []
    for entry in entries:
        rows = held.get(entry.record_id, {})
        wanted = {} if entry.tlp is TLP.red else {o["id"]: o for o in entry.objects}
        for stix_id in set(rows) - set(wanted):
            session.delete(rows[stix_id])
        for stix_id, obj in wanted.items():
            body, version = dumps(obj), version_of(obj)
            held_row = rows.get(stix_id)
            audience = (entry.recipient_orgs, entry.recipient_people)
            if (
                held_row is not None
                and recipients.get(held_row.id) == audience
                and (held_row.body, held_row.version, held_row.tlp, held_row.owner_org_id)
                == (body, version, entry.tlp.value, entry.owner_org_id)
            ):
                held_row.source_updated_at = entry.source_updated_at
                continue
            values = {
                "stix_id": stix_id,
                "record_kind": kind,
                "record_id": entry.record_id,
                "version": version,
                "body": body,
                "stix_type": obj["type"],
                "spec_version": obj.get("spec_version", "2.1"),
                "tlp": entry.tlp.value,
                "owner_org_id": entry.owner_org_id,
                "date_added": now,
                "source_updated_at": entry.source_updated_at,
            }
            if held_row is None:
                if (copy := posted.get((stix_id, version))) is not None:
                    session.delete(copy)  # the record's object supersedes a client's copy
                made.append((values, entry))
            else:
                for column, value in values.items():
                    setattr(held_row, column, value)
                replaced.append((held_row, entry))
            owners.add(entry.owner_org_id)
    session.flush()  # deletions and replacements first: a new row may reuse their versions
    _write(session, made, replaced)
    peer_outbox.pushes_after_write(session, owners)
    return len(made) + len(replaced)


# The store is analysed once it holds this many more rows than at its last ANALYZE (and at
# least as many again), or its table (this transaction's rows too) takes twice the pages it
# took then and at least ANALYZE_AFTER_PAGES: see keep_statistics.
ANALYZE_AFTER_ROWS = 1000
ANALYZE_AFTER_PAGES = 128


def keep_statistics(session: Session) -> bool:
    """PostgreSQL: ANALYZE the store (and its recipients) once it has more than doubled since
    its statistics were taken; returns whether it did.

    A TAXII page is a walk of the (date added, id) index that stops after 1,000 rows. Without
    statistics (a store filled by a bulk POST or a rebuild, before autovacuum's next round,
    up to a minute later, or never where autovacuum is off) the planner reads and sorts every
    row the reader may see instead: 600 ms to 2 s a page at 100,000 objects against 4 ms.
    Doubling keeps the ANALYZEs to a handful over any growth. The committed changes are
    counted by PostgreSQL; a rebuild's own rows (uncommitted, so not counted yet) by the pages
    they take, which ANALYZE records: a rebuild in one transaction is analysed as it grows,
    so its own look-ups and the first pages after it are planned for its size."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    held, changed, pages_then, pages_now = session.execute(
        text(
            "SELECT greatest(reltuples, 0), pg_stat_get_mod_since_analyze(oid), relpages, "
            "pg_relation_size(oid) / current_setting('block_size')::int "
            "FROM pg_class WHERE oid = CAST(:table AS regclass)"
        ),
        {"table": StixObject.__tablename__},
    ).one()
    grown = pages_now >= max(ANALYZE_AFTER_PAGES, 2 * pages_then)
    if changed < max(ANALYZE_AFTER_ROWS, held) and not grown:
        return False
    # A tenth of the default sample (3,000 rows, 20 ms rather than 200 ms at 100,000): enough
    # for the planner to know the store's size; autovacuum's own ANALYZE refines it later.
    session.execute(text("SET LOCAL default_statistics_target = 10"))
    session.execute(text(f"ANALYZE {StixObject.__tablename__}, {RECIPIENTS.name}"))
    return True


def common_entry() -> Entry:
    """The objects every reader needs to read the others: the TLP 2.0 markings Vigil emits,
    the Vigil extension's definition and its author."""
    markings = [tlp2_marking_definition(t) for t in TLP if t is not TLP.red]
    return Entry(
        kind="common",
        record_id=0,
        owner_org_id=None,
        tlp=TLP.clear,
        recipient_orgs=frozenset(),
        recipient_people=frozenset(),
        objects=[*markings, vigil_identity(), extension_definition()],
    )


def _organisation_entries(session: Session, settings: Settings, org_ids: set[int]) -> list[Entry]:
    namespace = instance_namespace(settings)
    return [
        Entry(
            kind="organisation",
            record_id=org.id,
            owner_org_id=org.id,
            tlp=TLP.clear,
            recipient_orgs=frozenset(),
            recipient_people=frozenset(),
            objects=[mapping.organisation_identity(namespace, org)],
        )
        for org in orgs_service.record_owners(session=session, org_ids=org_ids)
    ]


def _incident_batch(
    session: Session, settings: Settings, since: dt.datetime | None, after_id: int, org: int | None
) -> tuple[list[Entry], int | None]:
    found = incident_queries.incidents_changed_since(
        session=session, since=since, after_id=after_id, limit=RECORDS_PER_BATCH, owner_org_id=org
    )
    contexts = contexts_of(session, settings, {i.owner_org_id for i, _ in found})
    links = incident_links.links_of(
        session, settings, [i for i, _ in found if i.tlp is not TLP.red]
    )
    entries = [
        Entry(
            kind="incident",
            record_id=incident.id,
            owner_org_id=incident.owner_org_id,
            tlp=incident.tlp,
            recipient_orgs=frozenset(recipients.organisation_ids),
            recipient_people=frozenset(recipients.person_ids),
            objects=[]
            if incident.tlp is TLP.red
            else mapping.incident_objects(
                incident, contexts[incident.owner_org_id], links[incident.id]
            ),
            source_updated_at=incident.updated_at,
        )
        for incident, recipients in found
    ]
    return entries, (found[-1][0].id if len(found) == RECORDS_PER_BATCH else None)


def _notice_batch(
    session: Session, settings: Settings, since: dt.datetime | None, after_id: int, org: int | None
) -> tuple[list[Entry], int | None]:
    found = notices_service.notices_changed_since(
        session=session, since=since, after_id=after_id, limit=RECORDS_PER_BATCH, owner_org_id=org
    )
    contexts = contexts_of(session, settings, {n.owner_org_id for n in found})
    entries = []
    for notice in found:
        recipients = notice.recipients
        entries.append(
            Entry(
                kind="notice",
                record_id=notice.id,
                owner_org_id=notice.owner_org_id,
                tlp=notice.tlp,
                recipient_orgs=frozenset(recipients.organisation_ids if recipients else ()),
                recipient_people=frozenset(recipients.person_ids if recipients else ()),
                objects=[]
                if notice.tlp is TLP.red
                else [mapping.notice_note(notice, contexts[notice.owner_org_id])],
                source_updated_at=notice.updated_at,
            )
        )
    return entries, (found[-1].id if len(found) == RECORDS_PER_BATCH else None)


BATCHES = {"incident": _incident_batch, "notice": _notice_batch}


def _refresh_kind(
    session: Session, settings: Settings, kind: str, since: dt.datetime | None, org_id: int | None
) -> int:
    written = 0
    after: int | None = 0
    while after is not None:
        entries, next_after = BATCHES[kind](session, settings, since, after, org_id)
        owners = {e.owner_org_id for e in entries if e.tlp is not TLP.red and e.owner_org_id}
        written += put_entries(session, kind, entries)
        organisations = _organisation_entries(session, settings, owners)
        written += put_entries(session, "organisation", organisations)
        if written:
            keep_statistics(session)  # the next batch's look-ups planned for the grown store
        after = next_after
    return written


def refresh(
    session: Session, settings: Settings, *, since: dt.datetime | None, org_id: int | None = None
) -> int:
    """Bring the objects of records edited at or after `since` (all when None; only those of
    `org_id` when given) up to date; returns the rows written."""
    written = put_entries(session, "common", [common_entry()])
    for kind in BATCHES:
        written += _refresh_kind(session, settings, kind, since, org_id)
    if written:
        keep_statistics(session)
    return written


def refresh_changed(session: Session, settings: Settings) -> int:
    """Refresh the records of each kind edited since the newest edit of that kind the store
    holds, less a margin (everything of a kind it holds nothing of)."""
    written = put_entries(session, "common", [common_entry()])
    for kind in BATCHES:
        newest = session.scalar(
            select(func.max(StixObject.source_updated_at)).where(StixObject.record_kind == kind)
        )
        since = None if newest is None else newest - LATE_COMMIT_MARGIN
        written += _refresh_kind(session, settings, kind, since, None)
    if written:
        keep_statistics(session)
    return written


def _refresh_tick(session: Session, settings: Settings) -> None:
    refresh_changed(session, settings)


def refresh_organisation(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    """Outbox job: an organisation's sharing profile changed what its records leave as."""
    refresh(session, settings, since=None, org_id=int(payload["org_id"]))


PERIODIC_TASKS = (jobs.PeriodicTask("sharing.refresh_store", REFRESH_EVERY_SECONDS, _refresh_tick),)
