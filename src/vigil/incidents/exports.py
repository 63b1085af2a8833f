"""Export of the incidents a principal may see, as CSV, JSON or GeoJSON (RFC 7946), streamed.

Rows always come from `queries.filtered`, the policy-scoped query behind the list API, so an
export can never show more than the list does. Each export is audited with its filter and size.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.csvfile import defuse_formula
from vigil.core.db import get_sessionmaker, transaction
from vigil.core.errors import Forbidden
from vigil.core.policy import Principal, References, Role
from vigil.incidents import queries
from vigil.incidents.models import Incident

EXPORT_BATCH_ROWS = 500
# The stable column codes of CSV files, for export and (minus id, status, owner) for import.
CSV_COLUMNS = [
    "id",
    "title",
    "narrative",
    "occurred_from",
    "occurred_to",
    "timezone",
    "lat",
    "lon",
    "address",
    "city",
    "country",
    "precision",
    "type",
    "bias",
    "ihra",
    "target_kind",
    "injuries",
    "damage",
    "police_reported",
    "police_reference",
    "source",
    "severity",
    "status",
    "tlp",
    "owner_org_id",
]
CODE_SEPARATOR = ";"
# Free-text columns, which a spreadsheet would run as a formula when they start with one of
# core.csvfile.FORMULA_STARTS (OWASP "CSV injection"); export defuses them.
TEXT_COLUMNS = frozenset({"title", "narrative", "address", "city", "damage", "police_reference"})
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
}


def require_exporter(principal: Principal) -> None:
    """Analysts and above may export (DOMAIN.md); what they get is still only what they may see."""
    if not any(role.at_least(Role.analyst) for role in principal.roles.values()):
        raise Forbidden("Exporting incidents needs the analyst role in an organisation.")


def count_exportable(
    *, session: Session, principal: Principal, filters: queries.IncidentFilters
) -> int:
    require_exporter(principal)
    stmt = queries.filtered(filters, principal)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def record_export(
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    filters: queries.IncidentFilters,
    fmt: str,
    rows: int,
) -> None:
    """Audit the export in a short write of its own, before any row leaves.

    An export is a read: its request transaction stays read-only (on SQLite a read that turns
    into a write can fail when another writer committed meanwhile). Flagging the request
    session makes the request boundary seal the entry after it commits.
    """
    with transaction(settings.sqlalchemy_url) as write:
        audit.log_action(
            write,
            principal,
            "incident.export",
            target_type="incidents",
            detail={
                "format": fmt,
                "filters": filters.model_dump(mode="json", exclude_defaults=True),
                "rows": rows,
            },
        )
    session.info["audited"] = True


def _incidents(
    settings: Settings, principal: Principal, filters: queries.IncidentFilters
) -> Iterator[tuple[list[Incident], References]]:
    """Batches of visible incidents, read with their codes, from a session of the stream's own,
    each with the records it names that `principal` may read (one query per batch).

    The request's session is closed once the route returns, before the body is streamed.
    """
    session = get_sessionmaker(settings.sqlalchemy_url, readonly=True)()
    try:
        stmt = (
            queries.filtered(filters, principal)
            .order_by(Incident.occurred_from.desc(), Incident.id.desc())
            .execution_options(yield_per=EXPORT_BATCH_ROWS)
        )
        for partition in session.scalars(stmt).partitions():
            batch = list(partition)
            yield batch, queries.incident_references(session, principal, batch)
        session.rollback()
    finally:
        session.close()


def _moment(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def csv_row(incident: Incident) -> list[str]:
    values: dict[str, Any] = {
        "id": incident.id,
        "title": incident.title,
        "narrative": incident.narrative,
        "occurred_from": _moment(incident.occurred_from),
        "occurred_to": _moment(incident.occurred_to),
        "timezone": incident.timezone,
        "lat": incident.lat,
        "lon": incident.lon,
        "address": incident.address,
        "city": incident.city,
        "country": incident.country,
        "precision": incident.precision,
        "type": incident.type,
        "bias": CODE_SEPARATOR.join(incident.codes_of("bias")),
        "ihra": CODE_SEPARATOR.join(incident.codes_of("ihra")),
        "target_kind": incident.target_kind,
        "injuries": incident.injuries,
        "damage": incident.damage,
        "police_reported": "true" if incident.police_reported else "false",
        "police_reference": incident.police_reference,
        "source": incident.source,
        "severity": incident.severity,
        "status": incident.status,
        "tlp": incident.tlp,
        "owner_org_id": incident.owner_org_id,
    }
    row = []
    for column in CSV_COLUMNS:
        value = values[column]
        text = "" if value is None else str(value)
        row.append(defuse_formula(text) if column in TEXT_COLUMNS else text)
    return row


def stream_csv(
    *, settings: Settings, principal: Principal, filters: queries.IncidentFilters
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for batch, _ in _incidents(settings, principal, filters):
        writer.writerows(csv_row(i) for i in batch)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def _json_items(
    settings: Settings,
    principal: Principal,
    filters: queries.IncidentFilters,
    as_item: Callable[[Incident, References], dict[str, Any]],
) -> Iterator[bytes]:
    first = True
    for batch, refs in _incidents(settings, principal, filters):
        parts = []
        for incident in batch:
            item = as_item(incident, refs)
            parts.append(("" if first else ",") + json.dumps(item, default=str))
            first = False
        yield "".join(parts).encode()


def stream_json(
    *, settings: Settings, principal: Principal, filters: queries.IncidentFilters
) -> Iterator[bytes]:
    """The incidents as the list API shows them (`IncidentRead`), in one JSON object."""
    yield b'{"items":['
    yield from _json_items(
        settings,
        principal,
        filters,
        lambda i, refs: queries.incident_read(i, refs).model_dump(mode="json"),
    )
    yield b"]}"


def geojson_feature(incident: Incident, refs: References) -> dict[str, Any]:
    """A Feature with a Point at [lon, lat] (RFC 7946 order), or null geometry without a point."""
    has_point = incident.lat is not None and incident.lon is not None
    read = queries.incident_read(incident, refs).model_dump(mode="json")
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


def stream_geojson(
    *, settings: Settings, principal: Principal, filters: queries.IncidentFilters
) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    yield from _json_items(settings, principal, filters, geojson_feature)
    yield b"]}"


STREAMS = {"csv": stream_csv, "json": stream_json, "geojson": stream_geojson}
