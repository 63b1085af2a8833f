"""API schemas of the reports domain: the acting organisation's figures (`/api/v1/figures`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from vigil.core.policy import TLP
from vigil.reports.counting import DIMS, FigureFilters

Basis = Literal["counted", "published"]
MAX_DIMS = 3
# The incident list's bounds (1900-2200) hold these local dates once widened by a day.
FIRST_DAY, LAST_DAY = dt.date(1901, 1, 1), dt.date(2199, 12, 31)


class FiguresQuery(FigureFilters):
    """The figures' query string: the incident list's filters with a local period, the
    dimensions to count by and the basis."""

    by: list[str] = Field(
        default_factory=list,
        max_length=MAX_DIMS,
        description=f"Up to {MAX_DIMS} dimensions, comma-separated or repeated: "
        + ", ".join(DIMS)
        + ". A code dimension (bias, ihra) counts an incident under each of its codes.",
    )
    basis: Basis = Field(
        "counted",
        description="counted: new, triaged, verified and closed incidents (the statistics "
        "page); published: verified and closed only (the annual report, the ODIHR export).",
    )

    @field_validator("start", "end")
    @classmethod
    def _in_range(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not FIRST_DAY <= value <= LAST_DAY:
            raise ValueError(f"must be a date between {FIRST_DAY} and {LAST_DAY}")
        return value

    @field_validator("tlp")
    @classmethod
    def _known_tlp(cls, value: list[str]) -> list[str]:
        known = [t.value for t in TLP]
        for level in value:
            if level not in known:
                raise ValueError(f"unknown marking '{level[:20]}'; the markings are {known}")
        return value

    @field_validator("by", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            return value
        dims = [d.strip() for item in items for d in str(item).split(",") if d.strip()]
        unknown = [d for d in dims if d not in DIMS]
        if unknown:
            raise ValueError(
                f"unknown dimension '{unknown[0][:40]}'; the dimensions are {', '.join(DIMS)}"
            )
        if len(set(dims)) != len(dims):
            raise ValueError("a dimension is given twice")
        if len(dims) > MAX_DIMS:
            raise ValueError(f"at most {MAX_DIMS} dimensions")
        return dims


class FreshnessRead(BaseModel):
    """How current the stored figures are: when they were last refreshed from the incidents, and
    how many incident changes wait for the next refresh."""

    refreshed_at: dt.datetime | None
    pending_changes: int


class FigureCellRead(BaseModel):
    """One cell: the values of the dimensions asked for, and the incidents counted there."""

    key: dict[str, str]
    incidents: int


class FiguresRead(BaseModel):
    """The organisation's counts by the dimensions asked for. With a code dimension the cells
    do not add up to `total`, which counts each incident once (DOMAIN.md counting rule 4)."""

    basis: Basis
    by: list[str]
    freshness: FreshnessRead
    cells: list[FigureCellRead]
    total: int
