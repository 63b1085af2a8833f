"""Incidents in and out: the CSV columns, CSV, JSON and GeoJSON export of the incidents a
principal may see, and the bulk path that writes many incidents and their reports at once. The
columns are written down here; `core.transfer` does the rest, and `incidents.csv_import` reads
a file back in.

The bulk path (used by import and the benchmark's generator too) allocates ids first, then gives
each table one COPY (PostgreSQL) or one executemany (SQLite); callers validate before it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from vigil.core.db import utcnow
from vigil.core.policy import Principal, References
from vigil.core.transfer import Column, Export, Spec, allocate_ids, write_rows
from vigil.incidents import queries
from vigil.incidents.models import Incident, IncidentCode, Report, ReportVersion
from vigil.incidents.provenance import CHANNELS, Provenance, provenance_of
from vigil.incidents.schemas import IncidentFields
from vigil.orgs import service as orgs_service

CODE_SCHEMES = ("bias", "ihra")
CODE_SEPARATOR = ";"


def _moment(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def _codes(scheme: str) -> Column:
    return Column(
        scheme,
        read=lambda cell: [c.strip() for c in cell.split(CODE_SEPARATOR) if c.strip()],
        write=lambda incident: CODE_SEPARATOR.join(incident.codes_of(scheme)),
    )


def _place(name: str, *, text: bool = False) -> Column:
    return Column(name, path=("place", name), text=text)


# The stable column codes of CSV files. The importing organisation and the source are decided
# by the import, and ids are given by the database: an import accepts those export columns but
# does not take them. It takes the status, and `source_org` (or `organisation`) as the
# record's provenance when it names another organisation than the importer.
SPEC = Spec(
    columns=(
        Column("id", ignored=True),
        Column("title", text=True),
        Column("narrative", text=True),
        Column("occurred_from", write=lambda i: _moment(i.occurred_from)),
        Column("occurred_to", write=lambda i: _moment(i.occurred_to)),
        Column("timezone"),
        _place("lat"),
        _place("lon"),
        _place("address", text=True),
        _place("city", text=True),
        _place("country"),
        _place("precision"),
        Column("type"),
        *(_codes(scheme) for scheme in CODE_SCHEMES),
        Column("target_kind"),
        Column("injuries"),
        Column("damage", text=True),
        Column("police_reported", write=lambda i: "true" if i.police_reported else "false"),
        Column("police_reference", text=True),
        Column("source", ignored=True),
        Column("severity"),
        Column("status"),
        Column("tlp"),
        Column("owner_org_id", ignored=True),
        # Where a received record came from (DECISIONS 30); empty for records made here.
        Column("provenance", ignored=True, write_in=lambda i, c: _provenance_text(i, c)),
        # The organisation the record comes from: its owner's name, or what a file said.
        Column("source_org", text=True, write_in=lambda i, c: _source_org(i, c)),
        Column("organisation", text=True, exported=False),  # another name for source_org
    ),
    required=("title", "occurred_from", "type"),
    one_of=(("city", "country"), ("lat", "lon")),
)


@dataclass(frozen=True)
class ExportContext:
    """What a batch of exported incidents names, as their reader may follow it, and where the
    received ones came from."""

    refs: References
    provenance: Mapping[int, Provenance] = field(default_factory=dict)
    owners: Mapping[int, str] = field(default_factory=dict)  # organisation names by id


def export_context(
    session: Session, principal: Principal, incidents: list[Incident], parts: tuple[Any, ...] = ()
) -> ExportContext:
    """The batch's references and provenance (`parts`: the channel lookups, `CHANNELS`)."""
    return ExportContext(
        refs=queries.incident_references(session, principal, incidents),
        provenance=provenance_of(session=session, incidents=incidents, channels=parts),
        owners={
            org.id: org.name
            for org in orgs_service.record_owners(
                session=session, org_ids={i.owner_org_id for i in incidents}
            )
        },
    )


def _provenance_text(incident: Incident, context: ExportContext | None) -> str:
    found = context.provenance.get(incident.id) if context else None
    return found.text() if found else ""


def _source_org(incident: Incident, context: ExportContext | None) -> str:
    if incident.source_org or context is None:
        return incident.source_org
    return context.owners.get(incident.owner_org_id, "")


def json_item(incident: Incident, context: ExportContext) -> dict[str, Any]:
    """An incident as the list API shows it (`IncidentRead`), with its `provenance` (null for
    an incident made here)."""
    found = context.provenance.get(incident.id)
    return {
        **queries.incident_read(incident, context.refs).model_dump(mode="json"),
        "provenance": found.as_json() if found else None,
    }


def geojson_feature(incident: Incident, context: ExportContext) -> dict[str, Any]:
    """A Feature with a Point at [lon, lat] (RFC 7946 order), or null geometry without a point."""
    has_point = incident.lat is not None and incident.lon is not None
    read = json_item(incident, context)
    properties = {k: v for k, v in read.items() if k not in ("id", "place")}
    place = read["place"]
    properties.update({k: place[k] for k in ("address", "city", "country", "precision")})
    return {
        "type": "Feature",
        "id": incident.id,
        "geometry": (
            {"type": "Point", "coordinates": [incident.lon, incident.lat]} if has_point else None
        ),
        "properties": properties,
    }


# Rows come from `queries.filtered`, the policy-scoped query behind the list API; each batch is
# read with the sites and incidents it names that the principal may follow, and the provenance
# of the received ones (sharing's channel lookups, under CHANNELS).
EXPORT: Export[Incident, queries.IncidentFilters] = Export(
    noun="incidents",
    action="incident.export",
    query=queries.filtered,
    order_by=(Incident.occurred_from.desc(), Incident.id.desc()),
    spec=SPEC,
    item=json_item,
    feature=geojson_feature,
    context=export_context,
    parts=CHANNELS,
)


def incident_values(fields: IncidentFields) -> dict[str, Any]:
    """Incident column values of validated fields, with the `bias` and `ihra` code lists."""
    place = fields.place
    return {
        "title": fields.title,
        "narrative": fields.narrative,
        "occurred_from": fields.occurred_from,
        "occurred_to": fields.occurred_to,
        "timezone": fields.timezone,
        "lat": place.lat,
        "lon": place.lon,
        "address": place.address,
        "city": place.city,
        "country": place.country,
        "precision": place.precision.value,
        "type": fields.type.value,
        "target_kind": fields.target_kind.value if fields.target_kind else None,
        "injuries": fields.injuries,
        "damage": fields.damage,
        "police_reported": fields.police_reported,
        "police_reference": fields.police_reference,
        "severity": fields.severity.value,
        "site_id": fields.site_id,
        "bias": [b.value for b in fields.bias],
        "ihra": list(fields.ihra),
    }


def bulk_insert_incidents(*, session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert already-validated incidents and their codes in bulk; returns ids in row order.

    Each row maps Incident columns to values (at least title, occurred_from, type, source and
    owner_org_id; the rest default as on the model) plus optional `bias` and `ihra` code lists,
    e.g. `{**incident_values(fields), "owner_org_id": 1, "source": "import"}`.
    """
    table: Table = Incident.__table__  # type: ignore[assignment]
    ids = allocate_ids(session, table, len(rows))
    write_rows(
        session,
        table,
        [
            {**{k: v for k, v in row.items() if k not in CODE_SCHEMES}, "id": incident_id}
            for incident_id, row in zip(ids, rows, strict=True)
        ],
    )
    codes = [
        {"incident_id": incident_id, "scheme": scheme, "code": code}
        for incident_id, row in zip(ids, rows, strict=True)
        for scheme in CODE_SCHEMES
        for code in sorted(set(row.get(scheme) or ()))
    ]
    write_rows(session, IncidentCode.__table__, codes)  # type: ignore[arg-type]
    return ids


def bulk_insert_reports(
    *, session: Session, rows: Sequence[Mapping[str, Any]], contents: Sequence[Mapping[str, Any]]
) -> list[int]:
    """Insert reports, each with its first version holding `contents[i]` as submitted.

    `rows` map Report columns to values (at least owner_org_id and source); the version's
    content is what `reports.submit_report` keeps, so triage and history read both alike.
    """
    table: Table = Report.__table__  # type: ignore[assignment]
    ids = allocate_ids(session, table, len(rows))
    write_rows(
        session, table, [{**row, "id": report_id} for report_id, row in zip(ids, rows, strict=True)]
    )
    versions: Table = ReportVersion.__table__  # type: ignore[assignment]
    version_ids = allocate_ids(session, versions, len(rows))
    write_rows(
        session,
        versions,
        [
            {
                "id": version_id,
                "report_id": report_id,
                "version": 1,
                "data": json.dumps(content, sort_keys=True),
                "author_id": row.get("author_id"),
            }
            for version_id, report_id, row, content in zip(
                version_ids, ids, rows, contents, strict=True
            )
        ],
    )
    return ids


def replace_imported_incidents(
    *, session: Session, replacements: Sequence[tuple[int, Mapping[str, Any]]]
) -> None:
    """Newer versions of incidents their senders made (an import) replace the fields they had.

    Each replacement is an incident id and its values: Incident columns, as
    `bulk_insert_incidents` takes them, with the `bias` and `ihra` code lists; the caller
    checked that each incident came from that sender. One UPDATE per set of columns (sent as
    one batch), one DELETE and one COPY of the codes: a thousand changes are a few round trips,
    not a load and a flush each."""
    ids = [incident_id for incident_id, _ in replacements]
    present = set(session.scalars(select(Incident.id).where(Incident.id.in_(ids))))
    replacements = [r for r in replacements if r[0] in present]  # deleted since: skipped
    if not replacements:
        return
    now = utcnow()
    table: Table = Incident.__table__  # type: ignore[assignment]
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for incident_id, values in replacements:
        row = {k: v for k, v in values.items() if k not in CODE_SCHEMES}
        row["updated_at"] = now
        by_columns.setdefault(tuple(sorted(row)), []).append({**row, "_id": incident_id})
    stmt = update(table).where(table.c.id == bindparam("_id"))
    for rows in by_columns.values():  # the SET clause is each group's columns
        session.execute(stmt, rows)
    session.execute(delete(IncidentCode).where(IncidentCode.incident_id.in_(sorted(present))))
    write_rows(
        session,
        IncidentCode.__table__,  # type: ignore[arg-type]
        [
            {"incident_id": incident_id, "scheme": scheme, "code": code}
            for incident_id, values in replacements
            for scheme in CODE_SCHEMES
            for code in sorted(set(values.get(scheme) or ()))
        ],
    )


def add_incident_recipients(
    *,
    session: Session,
    recipients: Sequence[tuple[int, int | None, int | None]],
    fresh: Collection[int] = (),
) -> None:
    """Name more recipients (incident id, organisation id or None, person id or None) of
    incidents, leaving out those already named: how an import shares a partner's incident with
    the organisation (or, for RED, the person) that received it. `fresh` incidents were made
    by the caller's transaction and name no one yet: their recipients are not looked up."""
    table = Incident.__recipients__
    ids = sorted({incident_id for incident_id, _, _ in recipients} - set(fresh))
    named = (
        {
            (row.record_id, row.org_id, row.person_id)
            for row in session.execute(
                select(table.c.record_id, table.c.org_id, table.c.person_id).where(
                    table.c.record_id.in_(ids)
                )
            )
        }
        if ids
        else set()
    )
    missing = sorted(set(recipients) - named, key=lambda r: (r[0], r[1] or 0, r[2] or 0))
    write_rows(
        session,
        table,
        [{"record_id": i, "org_id": org_id, "person_id": p} for i, org_id, p in missing],
    )
