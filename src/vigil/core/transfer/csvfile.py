"""CSV text in, the same for every domain: UTF-8 read with errors naming the line and the column,
a header checked against known column codes, and text cells a spreadsheet would run as formulas
defused on export (OWASP "CSV injection") and restored on import.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from vigil.core.errors import DomainError
from vigil.core.nul import NUL

HEADER_LINE = 1
NUL_REFUSED = "contains the NUL character (U+0000), which no field may hold"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class RowError(BaseModel):
    line: int
    column: str | None
    message: str


class ImportRejected(DomainError):
    """The file, or at least one of its rows, is wrong: nothing is written."""

    status = 422
    title = "Import refused"

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        where = f"line {first.line}" + (f", column {first.column}" if first.column else "")
        lines = len({e.line for e in errors})
        super().__init__(
            f"Nothing was imported: {len(errors)} error(s) on {lines} line(s); "
            f"first at {where}: {first.message}"
        )
        self.row_errors = errors

    def errors(self) -> list[dict[str, Any]]:
        return [e.model_dump() for e in self.row_errors]


def defuse_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore_formula(text: str) -> str:
    """The import side of `defuse_formula`: an exported cell comes back as it was."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def decode_utf8(raw: bytes) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused, saying where it broke."""
    body = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = len(raw) - len(body) + exc.start
        line = raw[:offset].count(b"\n") + 1
        message = (
            f"the file is not UTF-8: byte 0x{raw[offset]:02X} at byte offset {offset} (line "
            f'{line}) is not valid UTF-8; save the file as UTF-8 ("CSV UTF-8" in spreadsheets)'
        )
        raise ImportRejected([RowError(line=line, column=None, message=message)]) from exc


def header_problems(
    header: list[str], *, known: Iterable[str], required: Iterable[str]
) -> list[RowError]:
    """Columns given twice, unknown columns and missing required columns, each by name."""
    problems: list[RowError] = []
    known_list = list(known)
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(RowError(line=HEADER_LINE, column=column, message="column given twice"))
        elif column not in known_list:
            message = f"unknown column; known columns are {', '.join(known_list)}"
            problems.append(RowError(line=HEADER_LINE, column=column, message=message))
        seen.add(column)
    for column in required:
        if column not in seen:
            problems.append(
                RowError(line=HEADER_LINE, column=column, message="required column is missing")
            )
    return problems


def _nul_cells(line: int, header: list[str], cells: list[str]) -> list[RowError]:
    """NUL in a cell: no text field can hold it (PostgreSQL refuses it; nobody types one)."""
    return [
        RowError(line=line, column=column.replace(NUL, "\\u0000"), message=NUL_REFUSED)
        for column, cell in zip(header, cells, strict=False)
        if NUL in cell
    ]


def read_csv(
    text: str, *, check_header: Callable[[list[str]], None]
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and each non-blank record with the line it starts on (the header is line 1).

    `check_header` raises ImportRejected for a header the caller cannot take.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, dict[str, str]]] = []
    problems: list[RowError] = []
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportRejected(
                [RowError(line=start, column=None, message=f"not readable as CSV: {exc}")]
            ) from exc
        if header is None:
            header = [c.strip().lower() for c in cells]
            if any(NUL in c for c in header):
                raise ImportRejected(_nul_cells(HEADER_LINE, header, header))
            check_header(header)
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            message = f"has {len(cells)} cells but the header names {len(header)} columns"
            problems.append(RowError(line=start, column=None, message=message))
            continue
        if any(NUL in c for c in cells):
            problems += _nul_cells(start, header, cells)
            continue
        records.append((start, dict(zip(header, cells, strict=False))))
    if header is None:
        message = "the file is empty; its first line must name the columns"
        raise ImportRejected([RowError(line=HEADER_LINE, column=None, message=message)])
    if not records and not problems:
        message = "the file has a header but no rows"
        raise ImportRejected([RowError(line=HEADER_LINE + 1, column=None, message=message)])
    if problems:
        raise ImportRejected(problems)
    return header, records
