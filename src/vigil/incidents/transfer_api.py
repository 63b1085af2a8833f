"""JSON API of incident import (CSV) and export (CSV, JSON, GeoJSON).

Mount before `incidents.api`: its `/incidents/{incident_id}` would otherwise take
`/incidents/export.csv` and refuse `export.csv` as an id.
"""

from __future__ import annotations

from fastapi import APIRouter

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.core.transfer import UploadDep, add_export_routes
from vigil.incidents import csv_import, queries, transfer

router = APIRouter(prefix="/api/v1", tags=["incidents"])
WITH_FILTERS = "with the filters of the incident list"

add_export_routes(
    router,
    transfer.EXPORT,
    path="/incidents/export",
    filters=queries.IncidentFilters,
    descriptions={
        "csv": f"The incidents you may see as CSV (analysts), {WITH_FILTERS}.",
        "json": f"The incidents you may see as JSON (analysts), {WITH_FILTERS}.",
        "geojson": "The incidents you may see as a GeoJSON FeatureCollection (analysts), filtered.",
    },
)


@router.post("/incidents/import", response_model=csv_import.IncidentImportReport)
def import_incidents(
    session: SessionDep, principal: PrincipalDep, upload: UploadDep
) -> csv_import.IncidentImportReport:
    """Import CSV as coordinator: a dry run (`dry_run=true`, the default) lists each row's
    errors and, by line, the incidents it likely repeats and how its city was placed, and
    writes nothing; a commit is all or none. Rows keep their `status` and, as provenance, the
    `source_org` they name; the incidents are your organisation's."""
    return csv_import.import_incidents(session=session, principal=principal, upload=upload)
