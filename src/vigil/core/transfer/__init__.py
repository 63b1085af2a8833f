"""Import and export of a domain's records as files (CSV in; CSV, JSON, GeoJSON out), one way for
every domain: the domain writes down its columns as a `Spec`, validates a row with its API's
schema and says how rows are written and which query an export reads; the reading, the errors by
line and column, the all-or-nothing commit, formula defusing, batching, streaming, scoping and
auditing are here.
"""

from vigil.core.transfer.bulk import allocate_ids, write_rows
from vigil.core.transfer.columns import Column, Spec
from vigil.core.transfer.csvfile import (
    ImportRejected,
    RowError,
    decode_utf8,
    defuse_formula,
    read_csv,
    restore_formula,
)
from vigil.core.transfer.exporting import (
    EXPORT_BATCH_ROWS,
    MEDIA_TYPES,
    Export,
    audit_export,
    require_exporter,
)
from vigil.core.transfer.importing import Import, ImportReport, Upload, schema_errors
from vigil.core.transfer.routes import UploadDep, add_export_routes, csv_upload

__all__ = [
    "EXPORT_BATCH_ROWS",
    "MEDIA_TYPES",
    "Column",
    "Export",
    "Import",
    "ImportRejected",
    "ImportReport",
    "RowError",
    "Spec",
    "Upload",
    "UploadDep",
    "add_export_routes",
    "allocate_ids",
    "audit_export",
    "csv_upload",
    "decode_utf8",
    "defuse_formula",
    "read_csv",
    "require_exporter",
    "restore_formula",
    "schema_errors",
    "write_rows",
]
