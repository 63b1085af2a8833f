"""Column specs as data: each domain writes down its file's columns (name, how a cell is read,
how a record is written) and core reads, writes and reports errors the same way for all of them.

A spec's column order is the export's, and its names are the stable column codes a file exported
from Vigil carries back in on import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.core.transfer.csvfile import (
    HEADER_LINE,
    ImportRejected,
    RowError,
    defuse_formula,
    header_problems,
    restore_formula,
)


def as_given(cell: str) -> Any:
    return cell


@dataclass(frozen=True)
class Column:
    """One column of a file.

    `read` turns a non-empty, stripped cell (formula restored when `text`) into the value the
    domain's schema validates; a ValueError it raises becomes an error naming the line and this
    column. `write` gives a record's value for the cell (default: the attribute `name`). `path`
    is where the value goes in the row's data (default: `name` at the top).
    """

    name: str
    read: Callable[[str], Any] = as_given
    write: Callable[[Any], Any] | None = None
    path: tuple[str, ...] = ()
    text: bool = False  # free text: a spreadsheet formula is defused on export, restored on import
    exported: bool = True
    ignored: bool = False  # an export column an import accepts but does not take (ids, owner)
    # The cell from the record and its batch's export context (what `Export.context` read),
    # for a value the record alone does not hold; takes the place of `write`.
    write_in: Callable[[Any, Any], Any] | None = None

    @property
    def key(self) -> tuple[str, ...]:
        return self.path or (self.name,)

    def cell(self, record: Any, context: Any = None) -> str:
        if self.write_in is not None:
            value = self.write_in(record, context)
        else:
            value = self.write(record) if self.write else getattr(record, self.name)
        text = "" if value is None else str(value)
        return defuse_formula(text) if self.text else text


@dataclass(frozen=True)
class Spec:
    """The ordered columns of a file, the ones an import needs, and groups of which an import
    needs at least one whole (e.g. city and country, or lat and lon)."""

    columns: tuple[Column, ...]
    required: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def header(self) -> list[str]:
        """The export's header."""
        return [c.name for c in self.columns if c.exported]

    def ignored_in(self, header: Iterable[str]) -> list[str]:
        return [name for name in header if self._by_name[name].ignored]

    def check_header(self, header: list[str]) -> None:
        """Columns twice, unknown or missing are refused by name, all of them at once."""
        problems = header_problems(header, known=self.names, required=self.required)
        seen = set(header)
        if self.one_of and not any(all(c in seen for c in group) for group in self.one_of):
            choices = ", or ".join(" and ".join(group) for group in self.one_of)
            message = f"required column is missing: give {choices}"
            problems += [
                RowError(line=HEADER_LINE, column=column, message=message)
                for group in self.one_of
                for column in group
                if column not in seen
            ]
        if problems:
            raise ImportRejected(problems)

    def read_row(
        self, line: int, cells: Mapping[str, str]
    ) -> tuple[dict[str, Any], list[RowError]]:
        """A row's cells as nested data for the domain's schema; empty and ignored cells are
        absent. Cells `read` refuses come back as errors instead."""
        data: dict[str, Any] = {}
        errors: list[RowError] = []
        for name, raw in cells.items():
            column = self._by_name[name]
            value = raw.strip()
            if not value or column.ignored:
                continue
            if column.text:
                value = restore_formula(value)
            try:
                read = column.read(value)
            except ValueError as exc:
                errors.append(RowError(line=line, column=name, message=str(exc)))
                continue
            *groups, last = column.key
            target = data
            for group in groups:
                target = target.setdefault(group, {})
            target[last] = read
        return data, errors

    def write_row(self, record: Any, context: Any = None) -> list[str]:
        return [c.cell(record, context) for c in self.columns if c.exported]

    def column_at(self, loc: tuple[Any, ...]) -> str | None:
        """The column whose value sits at `loc` (a schema error's location), or holds it."""
        for end in range(len(loc), 0, -1):
            for column in self.columns:
                if column.key == tuple(str(p) for p in loc[:end]):
                    return column.name
        return None

    def first_named(self, message: str) -> str | None:
        """The column a message names first: where a check across fields points."""
        mentions = [
            (m.start(), name)
            for name in self.names
            if (m := re.search(rf"\b{name}\b", message, re.IGNORECASE))
        ]
        return min(mentions)[1] if mentions else None
