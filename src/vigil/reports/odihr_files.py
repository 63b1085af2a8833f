"""The ODIHR export as files: CSV (one table: the listed incidents, or the counts by bias) and
XLSX (two sheets, "Incidents" and "Counts by bias", each with a note line on the basis and the
marking rule above its header row).

Text cells a spreadsheet would run as formulas are defused as every Vigil CSV export does
(`core.transfer.defuse_formula`, OWASP "CSV injection"); in XLSX every text is written as a
string cell, never as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Literal

import xlsxwriter

from vigil.core.transfer import defuse_formula
from vigil.reports.odihr import BIAS_LABELS, ODIHR_TYPE_LABELS, OdihrExport, OdihrRow

Table = Literal["incidents", "bias"]
TABLES: tuple[Table, ...] = ("incidents", "bias")
CODE_SEPARATOR = ";"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INCIDENTS_SHEET = "Incidents"
BIAS_SHEET = "Counts by bias"

# Stable column codes: the same in CSV and XLSX, whatever the viewer's language.
INCIDENT_COLUMNS = (
    "incident",
    "date",
    "country",
    "region",
    "city",
    "bias_motivation",
    "bias_motivation_label",
    "type_of_incident",
    "type_of_incident_label",
    "vigil_type",
    "target",
    "description",
)
BIAS_COLUMNS = ("bias_motivation", "bias_motivation_label", "incidents")
TOTAL_ROW = "total"


def incident_cells(row: OdihrRow) -> list[str]:
    """One listed incident as the cells of its row (text, undefused)."""
    return [
        str(row.incident_id),
        row.date.isoformat(),
        row.country,
        row.region,
        row.city,
        CODE_SEPARATOR.join(row.bias),
        CODE_SEPARATOR.join(BIAS_LABELS.get(code, code) for code in row.bias),
        row.odihr_type,
        ODIHR_TYPE_LABELS.get(row.odihr_type, row.odihr_type),
        row.type,
        row.target_kind,
        row.description,
    ]


def bias_cells(export: OdihrExport) -> Iterator[list[str]]:
    """The counts by bias, then the total that counts each incident once."""
    for code, incidents in export.by_bias:
        yield [code, BIAS_LABELS.get(code, code), str(incidents)]
    yield [TOTAL_ROW, "Total (each incident once)", str(export.total)]


def _table(export: OdihrExport, table: Table) -> tuple[Sequence[str], list[list[str]]]:
    if table == "bias":
        return BIAS_COLUMNS, list(bias_cells(export))
    return INCIDENT_COLUMNS, [incident_cells(row) for row in export.rows]


def csv_bytes(export: OdihrExport, table: Table = "incidents") -> bytes:
    """One table as UTF-8 CSV with a byte-order mark (spreadsheets read it as UTF-8)."""
    header, rows = _table(export, table)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([defuse_formula(cell) for cell in row] for row in rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def xlsx_bytes(export: OdihrExport, *, notes: dict[Table, str]) -> bytes:
    """The workbook: each sheet's note (first row), header row (second row), then its rows.
    Counts are numbers; everything else is a string cell."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    note_format = book.add_format({"italic": True, "text_wrap": False})
    sheets: tuple[tuple[str, Table], ...] = ((INCIDENTS_SHEET, "incidents"), (BIAS_SHEET, "bias"))
    for name, table in sheets:
        sheet = book.add_worksheet(name)
        header, rows = _table(export, table)
        sheet.write_string(0, 0, notes.get(table, ""), note_format)
        for col, title in enumerate(header):
            sheet.write_string(1, col, title, bold)
        numeric = {BIAS_COLUMNS.index("incidents")} if table == "bias" else set()
        for r, row in enumerate(rows, start=2):
            for col, cell in enumerate(row):
                if col in numeric:
                    sheet.write_number(r, col, int(cell))
                else:
                    sheet.write_string(r, col, cell)
        sheet.freeze_panes(2, 0)
        sheet.set_column(0, len(header) - 1, 18)
    book.close()
    return out.getvalue()
