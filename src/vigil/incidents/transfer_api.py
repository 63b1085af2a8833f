"""JSON API of incident import (CSV) and export (CSV, JSON, GeoJSON).

Mount before `incidents.api`: its `/incidents/{incident_id}` would otherwise take
`/incidents/export.csv` and refuse `export.csv` as an id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import StreamingResponse

from vigil.core.db import utcnow
from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.incidents import csv_import, exports, queries

router = APIRouter(prefix="/api/v1", tags=["incidents"])
Filters = Annotated[queries.IncidentFilters, Query()]


def _export(
    fmt: str,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    filters: queries.IncidentFilters,
) -> StreamingResponse:
    rows = exports.count_exportable(session=session, principal=principal, filters=filters)
    exports.record_export(
        session=session,
        settings=settings,
        principal=principal,
        filters=filters,
        fmt=fmt,
        rows=rows,
    )
    filename = f"incidents-{utcnow():%Y%m%d-%H%M%S}.{fmt}"
    return StreamingResponse(
        exports.STREAMS[fmt](settings=settings, principal=principal, filters=filters),
        media_type=exports.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/incidents/export.csv", response_class=StreamingResponse)
def export_csv(
    session: SessionDep, principal: PrincipalDep, settings: SettingsDep, filters: Filters
) -> StreamingResponse:
    """The incidents you may see as CSV (analysts), with the filters of the incident list."""
    return _export("csv", session, principal, settings, filters)


@router.get("/incidents/export.json", response_class=StreamingResponse)
def export_json(
    session: SessionDep, principal: PrincipalDep, settings: SettingsDep, filters: Filters
) -> StreamingResponse:
    """The incidents you may see as JSON (analysts), with the filters of the incident list."""
    return _export("json", session, principal, settings, filters)


@router.get("/incidents/export.geojson", response_class=StreamingResponse)
def export_geojson(
    session: SessionDep, principal: PrincipalDep, settings: SettingsDep, filters: Filters
) -> StreamingResponse:
    """The incidents you may see as a GeoJSON FeatureCollection (analysts), filtered."""
    return _export("geojson", session, principal, settings, filters)


@router.post("/incidents/import", response_model=csv_import.ImportReport)
def import_incidents(
    session: SessionDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="UTF-8 CSV with the export's column codes.")],
    dry_run: Annotated[bool, Query(description="Only check the file; write nothing.")] = True,
) -> csv_import.ImportReport:
    """Import CSV as coordinator: a dry run lists each row's errors; a commit is all or none."""
    return csv_import.import_incidents(
        session=session,
        principal=principal,
        raw=file.file.read(),
        filename=file.filename or "",
        dry_run=dry_run,
    )
