"""The bulk path that writes many incidents and their reports at once.

CSV import and the benchmark's generator both write through here: ids are allocated first, then
each table gets one COPY (PostgreSQL) or one executemany (SQLite) rather than an ORM object and
an INSERT per row. Callers validate before and write the audit entry after.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from vigil.incidents.models import Incident, IncidentCode, Report, ReportVersion
from vigil.incidents.schemas import IncidentFields

CODE_SCHEMES = ("bias", "ihra")


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


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """Ids for `count` new rows, so that rows can be linked without RETURNING.

    PostgreSQL takes them from the table's sequence; SQLite continues after the highest id,
    which is safe because a writing transaction there holds the database's write lock.
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        numbers = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return list(session.scalars(numbers))
    highest = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(highest + 1, highest + 1 + count))


def _complete(table: Table, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every row with every column: the model's defaults (a callable once) fill the gaps."""
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default: Any = column.default
        if default is not None and default.is_scalar:
            defaults[column.key] = default.arg
        elif default is not None and default.is_callable:
            defaults[column.key] = default.arg(None)
        elif column.nullable and not column.primary_key:
            defaults[column.key] = None
    return [{**defaults, **row} for row in rows]


def write_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows into `table`: COPY on PostgreSQL, one executemany on SQLite.

    COPY bypasses SQLAlchemy's type processing, so values must be what the database stores
    (timezone-aware UTC datetimes, codes as plain strings), as validated schemas give them.
    """
    if not rows:
        return
    complete = _complete(table, rows)
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), complete)
        return
    columns = list(complete[0])
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in complete:
            copy.write_row([row[c] for c in columns])


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
