"""Export of the sites a principal may see, as CSV or GeoJSON (RFC 7946), streamed.

Rows come from `service.filtered`, the policy-scoped query behind the list, so an export never
shows more than the list does; contacts are never exported. Each export is audited.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.csvfile import defuse_formula
from vigil.core.db import get_sessionmaker, transaction
from vigil.core.errors import Forbidden
from vigil.core.policy import Principal, Role
from vigil.sites import service
from vigil.sites.kinds import CapacityTier
from vigil.sites.models import Site
from vigil.sites.schemas import SiteFilters

EXPORT_BATCH_ROWS = 500
CSV_COLUMNS = [
    "id",
    "name",
    "type",
    "address",
    "city",
    "country",
    "lat",
    "lon",
    "perimeter",
    "capacity",
    "typical_attendance",
    "opening_pattern",
    "tlp",
    "owner_org_id",
]
TEXT_COLUMNS = frozenset({"name", "address", "city", "opening_pattern"})
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}


def count_exportable(*, session: Session, principal: Principal, filters: SiteFilters) -> int:
    """Analysts and above may export; what they get is still only what they may see."""
    if not any(role.at_least(Role.analyst) for role in principal.roles.values()):
        raise Forbidden("Exporting sites needs the analyst role in an organisation.")
    stmt = service.filtered(filters, principal)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def record_export(
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    filters: SiteFilters,
    fmt: str,
    rows: int,
) -> None:
    """Audited in a short write of its own, so the export's request stays a read."""
    with transaction(settings.sqlalchemy_url) as write:
        audit.log_action(
            write,
            principal,
            "site.export",
            target_type="sites",
            detail={
                "format": fmt,
                "filters": filters.model_dump(mode="json", exclude_defaults=True),
                "rows": rows,
            },
        )
    session.info["audited"] = True


def _sites(settings: Settings, principal: Principal, filters: SiteFilters) -> Iterator[list[Site]]:
    """Batches of visible sites from a session of the stream's own (the request's is closed
    once the route returns, before the body is streamed)."""
    session = get_sessionmaker(settings.sqlalchemy_url, readonly=True)()
    try:
        stmt = (
            service.filtered(filters, principal)
            .order_by(Site.name, Site.id)
            .execution_options(yield_per=EXPORT_BATCH_ROWS)
        )
        for partition in session.scalars(stmt).partitions():
            yield list(partition)
        session.rollback()
    finally:
        session.close()


def csv_row(site: Site) -> list[str]:
    row = []
    for column in CSV_COLUMNS:
        value = getattr(site, column)
        text = "" if value is None else str(value)
        row.append(defuse_formula(text) if column in TEXT_COLUMNS else text)
    return row


def stream_csv(
    *, settings: Settings, principal: Principal, filters: SiteFilters
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for batch in _sites(settings, principal, filters):
        writer.writerows(csv_row(s) for s in batch)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def geojson_feature(site: Site) -> dict[str, Any]:
    """A Feature at the site's point ([lon, lat]); the perimeter travels as a property."""
    tier = CapacityTier.of(site.capacity)
    return {
        "type": "Feature",
        "id": site.id,
        "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
        "properties": {
            "name": site.name,
            "type": site.type,
            "address": site.address,
            "city": site.city,
            "country": site.country,
            "capacity": site.capacity,
            "capacity_tier": tier.value if tier else None,
            "typical_attendance": site.typical_attendance,
            "opening_pattern": site.opening_pattern,
            "perimeter": json.loads(site.perimeter) if site.perimeter else None,
            "tlp": site.tlp,
            "owner_org_id": site.owner_org_id,
        },
    }


def stream_geojson(
    *, settings: Settings, principal: Principal, filters: SiteFilters
) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for batch in _sites(settings, principal, filters):
        parts = []
        for site in batch:
            parts.append(("" if first else ",") + json.dumps(geojson_feature(site)))
            first = False
        yield "".join(parts).encode()
    yield b"]}"


STREAMS = {"csv": stream_csv, "geojson": stream_geojson}
