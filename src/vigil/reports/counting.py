"""Counting incidents by any of the figures' dimensions, under the incident list's filters: from
the stored cells when they can answer (whole months, no words, no source or marking filter,
at most one code scheme), else from the incidents themselves through the same facts.

Counting is not reading: these functions take organisation ids, not a principal. Who may see
which counts (own figures, network totals with suppression) is decided by their callers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from vigil.core.policy import TLP
from vigil.incidents.queries import FIRST_YEAR, LAST_YEAR, IncidentFilters
from vigil.incidents.typology import Bias, IncidentType, Source, Status, TargetKind
from vigil.reports.facts import COUNTED, SCHEMES, Fact, in_period, iter_facts, utc_window
from vigil.reports.models import TOTAL, FigureCell, FigureMonth

Dim = Literal[
    "year",
    "month",
    "week",
    "org",
    "status",
    "type",
    "target_kind",
    "country",
    "region",
    "city",
    "bias",
    "ihra",
]
DIMS: tuple[Dim, ...] = get_args(Dim)
# Dimensions the small month table holds (besides the code schemes).
_MONTH_DIMS = {"year", "month", "org", "status"}


class FigureFilters(BaseModel):
    """The incident list's filters, with the period as local dates (counting rule 3) and the
    dimensions the figures add (IHRA indicator, target kind, region)."""

    model_config = ConfigDict(extra="forbid")

    start: dt.date | None = Field(None, description="First local date counted.")
    end: dt.date | None = Field(None, description="Day after the last local date counted.")
    type: list[IncidentType] = Field(default_factory=list)
    bias: list[Bias] = Field(default_factory=list)
    ihra: list[str] = Field(default_factory=list, max_length=20)
    status: list[Status] = Field(
        default_factory=list,
        description="Narrows the basis (new, triaged, verified, closed); rejected and merged "
        "incidents never count.",
    )
    target_kind: list[TargetKind] = Field(default_factory=list)
    country: str | None = Field(None, max_length=2)
    region: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=200)
    source: list[Source] = Field(default_factory=list)
    tlp: list[TLP] = Field(default_factory=list, max_length=5)
    q: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _period_in_order(self) -> FigureFilters:
        for bound in (self.start, self.end):
            # A bound near year 1 or 9999 overflows once widened by the zones (facts.utc_window).
            if bound is not None and not FIRST_YEAR < bound.year < LAST_YEAR:
                raise ValueError(f"dates must be between {FIRST_YEAR + 1} and {LAST_YEAR - 1}")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("the period's end must be after its start")
        return self

    def incident_filters(self) -> IncidentFilters:
        """The same selection as the incident list's filters (its UTC bounds are the local
        period's, widened by a day: the list has no time zones of its own)."""
        low, high = (
            utc_window(self.start or dt.date(1900, 1, 1), self.end or dt.date(2200, 1, 1))
            if self.start or self.end
            else (None, None)
        )
        return IncidentFilters.model_validate(
            {
                "occurred_after": low if self.start else None,
                "occurred_before": high if self.end else None,
                "type": self.type,
                "bias": self.bias,
                "status": self.status,
                "country": self.country,
                "city": self.city,
                "source": self.source,
                "tlp": self.tlp,
                "q": self.q,
            }
        )


def basis_of(filters: FigureFilters, basis: Sequence[str]) -> list[str]:
    """The statuses counted: the basis, narrowed by the status filter."""
    wanted = [s.value for s in filters.status]
    return [s for s in basis if not wanted or s in wanted]


def _schemes_used(filters: FigureFilters, by: Sequence[Dim]) -> set[str]:
    used: set[str] = {d for d in by if d in SCHEMES}
    if filters.bias:
        used.add("bias")
    if filters.ihra:
        used.add("ihra")
    return used


def from_cells(filters: FigureFilters, by: Sequence[Dim]) -> bool:
    """Whether the stored cells answer this count exactly."""
    if filters.source or filters.tlp or (filters.q or "").strip() or "week" in by:
        return False
    if any(d and d.day != 1 for d in (filters.start, filters.end)):
        return False
    schemes = _schemes_used(filters, by)
    if len(schemes) > 1:
        return False
    # Several codes of one scheme in the filter would count an incident once per code.
    many = (filters.bias and len(filters.bias) > 1) or (filters.ihra and len(filters.ihra) > 1)
    return not (many and not schemes & set(by))


def counts(
    *,
    session: Session,
    org_ids: Sequence[int],
    filters: FigureFilters,
    by: Sequence[Dim] = (),
    basis: Sequence[str] = COUNTED,
) -> dict[tuple[str, ...], int]:
    """Counted incidents of these organisations by the dimensions `by` (keys in that order;
    `()` for the total). A code dimension counts an incident under each of its codes."""
    statuses = basis_of(filters, basis)
    if not org_ids or not statuses:
        return {}
    if from_cells(filters, by):
        return _cell_counts(session, org_ids, filters, by, statuses)
    return facts_counts(iter_matching(session, org_ids, filters, statuses), filters, by)


def _cell_counts(
    session: Session,
    org_ids: Sequence[int],
    filters: FigureFilters,
    by: Sequence[Dim],
    statuses: list[str],
) -> dict[tuple[str, ...], int]:
    schemes = _schemes_used(filters, by)
    scheme = next(iter(schemes), TOTAL)
    small = set(by) <= _MONTH_DIMS | set(SCHEMES) and not (
        filters.type or filters.target_kind or filters.country or filters.region or filters.city
    )
    model: Any = FigureMonth if small else FigureCell
    columns: dict[str, Any] = {
        "year": func.substr(model.month, 1, 4),
        "month": model.month,
        "org": model.org_id,
        "status": model.status,
        "bias": model.code,
        "ihra": model.code,
    }
    if not small:
        columns |= {d: getattr(model, d) for d in ("type", "target_kind", "country", "region")}
        columns["city"] = model.city
    where: list[ColumnElement[bool]] = [
        model.org_id.in_(list(org_ids)),
        model.status.in_(statuses),
        model.scheme == scheme,
    ]
    if scheme == TOTAL:
        where.append(model.code == TOTAL)
    codes = [b.value for b in filters.bias] or list(filters.ihra)
    if codes:
        where.append(model.code.in_(codes))
    if filters.start:
        where.append(model.month >= f"{filters.start:%Y-%m}")
    if filters.end:
        where.append(model.month < f"{filters.end:%Y-%m}")
    if not small:
        where += _place_conditions(model, filters)
    keys = [columns[d] for d in by]
    stmt = select(*keys, func.sum(model.incidents)).where(*where)
    if keys:
        stmt = stmt.group_by(*keys)
    found: dict[tuple[str, ...], int] = {}
    for row in session.execute(stmt):
        if row[-1]:
            found[tuple(str(v) for v in row[:-1])] = int(row[-1])
    return found


def _place_conditions(model: Any, filters: FigureFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.type:
        where.append(model.type.in_([t.value for t in filters.type]))
    if filters.target_kind:
        where.append(model.target_kind.in_([t.value for t in filters.target_kind]))
    if filters.country:
        where.append(model.country == filters.country.upper())
    if filters.region:
        where.append(model.region == filters.region)
    if filters.city:
        where.append(func.lower(model.city) == filters.city.strip().lower())
    return where


def iter_matching(
    session: Session, org_ids: Sequence[int], filters: FigureFilters, statuses: Sequence[str]
) -> Iterator[Fact]:
    """The facts of the incidents the filters select, read from the incidents."""
    facts = iter_facts(
        session,
        statuses=statuses,
        filters=filters.incident_filters(),
        org_ids=org_ids,
        target_kinds=[t.value for t in filters.target_kind],
    )
    for fact in in_period(facts, filters.start, filters.end):
        if filters.region and fact.region != filters.region:
            continue
        if filters.ihra and not set(filters.ihra) & set(fact.ihra):
            continue
        yield fact


def _values(fact: Fact, dim: Dim) -> tuple[str, ...]:
    if dim in SCHEMES:
        return fact.codes(dim)
    if dim == "org":
        return (str(fact.org_id),)
    return (str(getattr(fact, dim)),)


def facts_counts(
    facts: Iterator[Fact], filters: FigureFilters, by: Sequence[Dim]
) -> dict[tuple[str, ...], int]:
    """Count facts by `by`; a code dimension filtered to some codes keeps only those."""
    wanted = {"bias": {b.value for b in filters.bias}, "ihra": set(filters.ihra)}
    found: Counter[tuple[str, ...]] = Counter()
    for fact in facts:
        keys: list[tuple[str, ...]] = [()]
        for dim in by:
            values = _values(fact, dim)
            if dim in wanted and wanted[dim]:
                values = tuple(v for v in values if v in wanted[dim])
            keys = [k + (v,) for k in keys for v in values]
        for key in keys:
            found[key] += 1
    return dict(found)
