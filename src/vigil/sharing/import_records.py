"""The records an import leaves: the import, one row per object of its bundle (the outcome, the
record it became, or the raw STIX kept), and the provenance later imports are matched against.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, String, any_, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from vigil.core.policy import TLP, Principal
from vigil.core.transfer import write_rows
from vigil.orgs import remote as remote_orgs
from vigil.orgs import service as orgs_service
from vigil.sharing import import_mapping as stix_in
from vigil.sharing.extension import VIGIL_EXTENSION_ID, VIGIL_IDENTITY_ID
from vigil.sharing.import_models import StixImport, StixImportObject
from vigil.sharing.import_schemas import ImportedObject, Outcome, SenderRead, StixImportRead

if TYPE_CHECKING:
    from vigil.sharing.imports import Plan

INCIDENTS = "incidents"
IDS_PER_QUERY = 500
MAX_KEPT_LISTED = 1000
RECORD_OUTCOMES = (Outcome.created, Outcome.updated, Outcome.unchanged, Outcome.outdated)
UNMARKED_TYPES = stix_in.SCO_TYPES | {"marking-definition"}


@dataclass(frozen=True)
class Provenance:
    """The newest imported version of one STIX object that is a record here."""

    record_id: int
    version: dt.datetime | None
    sender_org_id: int | None


def _chunks(ids: Iterable[str]) -> Iterable[list[str]]:
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), IDS_PER_QUERY):
        yield wanted[start : start + IDS_PER_QUERY]


def _stix_id_in(session: Session, chunk: list[str]) -> ColumnElement[bool]:
    """`stix_id IN chunk`; on PostgreSQL as `= ANY(one array parameter)`, which kept its quick plan
    while a pull grows the table faster than its statistics (the IN list was planned 10
    times slower on repeats, until the next ANALYZE)."""
    if session.get_bind().dialect.name == "postgresql":
        return StixImportObject.stix_id == any_(literal(chunk, ARRAY(String)))
    return StixImportObject.stix_id.in_(chunk)


def known_stix_ids(session: Session, ids: Iterable[str]) -> set[str]:
    """Which of `ids` this instance knows: objects of earlier imports, remote organisations."""
    wanted = set(ids)
    found = set(remote_orgs.remote_organisations(session, wanted))
    for chunk in _chunks(wanted - found):
        found.update(
            session.scalars(
                select(StixImportObject.stix_id).where(StixImportObject.stix_id.in_(chunk))
            )
        )
    return found


def incident_provenance(session: Session, stix_ids: Iterable[str]) -> dict[str, Provenance]:
    """The incident each STIX id became in earlier imports, at its newest imported version."""
    found: dict[str, Provenance] = {}
    for chunk in _chunks(stix_ids):
        # Only the STIX id in SQL: its index is then the plan whatever the statistics say
        # (with the record's columns too, a table growing faster than its statistics got a
        # scan of every incident row's index entry, per chunk).
        rows = session.execute(
            select(
                StixImportObject.stix_id,
                StixImportObject.record_type,
                StixImportObject.record_id,
                StixImportObject.version,
                StixImportObject.sender_org_id,
            ).where(_stix_id_in(session, chunk))
        )
        for stix_id, record_type, record_id, version, sender in rows:
            if record_type != INCIDENTS or record_id is None:
                continue
            held = found.get(stix_id)
            newer = held is None or (version and (held.version is None or version > held.version))
            if newer:
                found[stix_id] = Provenance(record_id, version, sender)
    return found


def _used_refs(plan: Plan) -> tuple[set[str], set[str]]:
    """What was read for incidents and MISP events (their locations, the relationships placing
    them, event reports), as (ids, ids read for this instance's own records)."""
    used: set[str] = set()
    local: set[str] = set()
    placing: dict[str, list[tuple[str, str]]] = {}
    for obj in plan.objects:
        source = obj.get("source_ref") if obj["type"] == "relationship" else None
        if source in plan.located and plan.located[source] == obj.get("target_ref"):
            placing.setdefault(source, []).append((obj["id"], obj["target_ref"]))
    for position, outcome in plan.outcomes.items():
        obj = plan.objects[position]
        refs = list(plan.read_for.get(position, ()))
        for source in [obj["id"], *refs]:
            refs += [r for r, target in placing.get(source, ()) if target in refs]
        (local if outcome is Outcome.local else used).update(refs)
    return used, local - used


def _outcome(plan: Plan, position: int, used: set[str], local: set[str]) -> Outcome:
    if position in plan.outcomes:
        return plan.outcomes[position]
    obj = plan.objects[position]
    stix_id, stix_type = obj["id"], obj["type"]
    if stix_id in (VIGIL_IDENTITY_ID, VIGIL_EXTENSION_ID) or stix_id in used:
        return Outcome.used
    if stix_id in local or stix_id in plan.local_ids:
        return Outcome.local
    if stix_type == "marking-definition" and stix_id in plan.tlp_of:
        return Outcome.used
    if stix_type == "identity" and stix_id in plan.org_of:
        return Outcome.used
    if stix_in.becomes_incident(obj):
        return Outcome.outdated  # an older version of an incident the same bundle carries
    return Outcome.kept


def object_rows(
    plan: Plan, records: Mapping[int, int], tlp_of: Callable[[Plan, Mapping[str, Any]], TLP]
) -> list[dict[str, Any]]:
    """One row per object of the bundle, in its order; raw STIX for the objects kept."""
    used, local = _used_refs(plan)
    rows = []
    for position, obj in enumerate(plan.objects):
        outcome = _outcome(plan, position, used, local)
        sender = plan.sender_of.get(position) or obj.get("created_by_ref")
        record_id = records.get(position)
        rows.append(
            {
                "position": position,
                "stix_id": obj["id"],
                "stix_type": obj["type"],
                "version": stix_in.version_of(obj),
                "outcome": outcome.value,
                "tlp": None if obj["type"] in UNMARKED_TYPES else tlp_of(plan, obj).value,
                "sender_org_id": plan.org_of.get(sender) if isinstance(sender, str) else None,
                "record_type": INCIDENTS if record_id is not None else None,
                "record_id": record_id,
                "raw": json.dumps(obj, ensure_ascii=False) if outcome is Outcome.kept else None,
            }
        )
    return rows


def save_import(
    *,
    session: Session,
    principal: Principal,
    org_id: int,
    bundle_id: str,
    filename: str,
    sha256: str,
    rows: list[dict[str, Any]],
    peer_id: int | None = None,
    peer_name: str = "",
) -> int:
    made = StixImport(
        peer_id=peer_id,
        peer_name=peer_name,
        org_id=org_id,
        person_id=principal.person_id,
        bundle_id=bundle_id,
        filename=filename[:300],
        sha256=sha256,
        object_count=len(rows),
    )
    session.add(made)
    session.flush()
    table = StixImportObject.__table__
    for row in rows:
        row["import_id"] = made.id
    write_rows(session, table, rows)  # type: ignore[arg-type]
    return made.id


def importer_of(session: Session, import_id: int) -> tuple[int, int | None] | None:
    """(organisation, person) of an import, or None if there is no such import."""
    found = session.get(StixImport, import_id)
    return (found.org_id, found.person_id) if found else None


def _object_read(row: StixImportObject) -> ImportedObject:
    return ImportedObject(
        position=row.position,
        stix_id=row.stix_id,
        stix_type=row.stix_type,
        version=row.version,
        outcome=Outcome(row.outcome),
        tlp=TLP(row.tlp) if row.tlp else None,
        sender_org_id=row.sender_org_id,
        incident_id=row.record_id if row.record_type == INCIDENTS else None,
    )


def import_read(*, session: Session, import_id: int) -> StixImportRead:
    """What the import did; the caller has checked who may see it."""
    made = session.get(StixImport, import_id)
    assert made is not None
    rows = [
        _object_read(row)
        for row in session.scalars(
            select(StixImportObject)
            .where(StixImportObject.import_id == import_id)
            .order_by(StixImportObject.position)
        )
    ]
    records = [r for r in rows if r.incident_id is not None or r.outcome is Outcome.local]
    record_senders = {r.sender_org_id for r in records if r.sender_org_id is not None}
    owners = orgs_service.record_owners(session=session, org_ids=record_senders)
    kept = [r for r in rows if r.outcome is Outcome.kept]
    changed = (Outcome.created, Outcome.updated)
    return StixImportRead(
        id=made.id,
        org_id=made.org_id,
        bundle_id=made.bundle_id,
        filename=made.filename,
        sha256=made.sha256,
        created_at=made.created_at,
        object_count=made.object_count,
        counts=dict(Counter(r.outcome for r in rows)),
        senders=[
            SenderRead(
                org_id=o.id, name=o.name, stix_identity_id=o.stix_identity_id, remote=o.remote
            )
            for o in owners
        ],
        incident_ids=[r.incident_id for r in records if r.outcome in changed and r.incident_id],
        records=records,
        kept=kept[:MAX_KEPT_LISTED],
    )


def provenance_of_incident(session: Session, incident_id: int) -> list[ImportedObject]:
    """Every import that created or changed an incident, oldest first: its provenance."""
    rows = session.scalars(
        select(StixImportObject)
        .where(
            StixImportObject.record_type == INCIDENTS,
            StixImportObject.record_id == incident_id,
        )
        .order_by(StixImportObject.id)
    )
    return [_object_read(row) for row in rows]
