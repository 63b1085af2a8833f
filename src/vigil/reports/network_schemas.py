"""What the network figures' page, CSV and JSON API publish: one shape, built once, so the
three show the same cells suppressed the same way."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from vigil.reports.network import NetworkFigures
from vigil.reports.network_tables import Shown

TableName = Literal["month", "year", "country", "bias"]


class FigureValue(BaseModel):
    """One published figure: its value, or none and why."""

    value: int | None = Field(description="The count; null when hidden.")
    mark: Literal["small", "hidden"] | None = Field(
        None,
        description='"small": fewer than 5 incidents the viewer could not all read; "hidden": '
        "hidden so that a small figure cannot be worked out from the others.",
    )


class FigureRow(BaseModel):
    label: str
    cells: list[FigureValue]


class FigureTable(BaseModel):
    name: TableName
    columns: list[str] = Field(description="Column labels: incident types, or 'incidents'.")
    rows: list[FigureRow]
    total: FigureRow | None = Field(None, description="The column totals and the grand total.")
    additive: bool = Field(
        True, description="False for codes: an incident counts under each of its codes."
    )


class NetworkFiguresRead(BaseModel):
    """A network's figures: totals only, small figures suppressed (DOMAIN counting rule 7)."""

    network_id: int
    network_name: str
    start: dt.date
    end: dt.date = Field(description="Day after the last date counted.")
    tables: list[FigureTable]
    refreshed_at: dt.datetime | None
    pending_changes: int


def _value(shown: Shown) -> FigureValue:
    return FigureValue(value=shown.value, mark=shown.mark.value if shown.mark else None)


def network_read(figures: NetworkFigures) -> NetworkFiguresRead:
    """The published shape of a network's figures."""
    t = figures.tables
    f = figures.figure
    totals = FigureRow(
        label="total", cells=[_value(f("type", k)) for k in t.types] + [_value(f("total"))]
    )
    columns = [*t.types, "total"]
    month = FigureTable(
        name="month",
        columns=columns,
        rows=[
            FigureRow(
                label=m, cells=[_value(f("cell", m, k)) for k in t.types] + [_value(f("month", m))]
            )
            for m in t.months
        ],
        total=totals,
    )
    year = FigureTable(
        name="year",
        columns=columns,
        rows=[
            FigureRow(
                label=y,
                cells=[_value(f("year_type", y, k)) for k in t.types] + [_value(f("year", y))],
            )
            for y in t.years
        ],
        total=totals,
    )
    grand = FigureRow(label="total", cells=[_value(f("total"))])
    country = FigureTable(
        name="country",
        columns=["incidents"],
        rows=[
            FigureRow(label=c or "unspecified", cells=[_value(f("country", c))])
            for c in t.countries
        ],
        total=grand,
    )
    bias = FigureTable(
        name="bias",
        columns=["incidents"],
        rows=[FigureRow(label=c, cells=[_value(f("bias", c))]) for c in t.codes],
        total=grand,
        additive=False,
    )
    return NetworkFiguresRead(
        network_id=figures.network_id,
        network_name=figures.network_name,
        start=figures.start,
        end=figures.end,
        tables=[month, year, country, bias],
        refreshed_at=figures.freshness.refreshed_at,
        pending_changes=figures.freshness.pending_changes,
    )


def network_csv_rows(read: NetworkFiguresRead) -> list[list[str]]:
    """Every published cell, one line each, hidden ones with their mark and no value."""
    lines = [["table", "row", "column", "value", "mark"]]
    for table in read.tables:
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for column, cell in zip(table.columns, row.cells, strict=True):
                value = "" if cell.value is None else str(cell.value)
                lines.append([table.name, row.label, column, value, cell.mark or ""])
    return lines
