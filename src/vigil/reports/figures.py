"""Keeping the stored figures equal to the incidents: the periodic refresh of the months that
changed, a rebuild from scratch, and the check that recomputes every cell and compares.

Triggers on `incidents` and `incident_codes` (migration 0024) mark each change with the
incident's organisation and moment, before and after; the refresh recomputes every month of that
organisation a mark may touch (14 hours either side: the incident's own zone decides its month)
and deletes exactly the marks it read, so a change committed meanwhile waits for the next run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, any_, delete, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.db import bulk_insert, utcnow
from vigil.core.jobs import PeriodicTask
from vigil.incidents.queries import IncidentFilters
from vigil.reports.facts import (
    SCHEMES,
    ZONE_SLACK,
    Fact,
    in_period,
    iter_facts,
    month_of,
    month_start,
    next_month,
    utc_window,
)
from vigil.reports.models import TOTAL, FigureCell, FigureMark, FigureMonth, FigureState

REFRESH_FIGURES = "reports.refresh_figures"
REFRESH_SECONDS = 60.0
STATE_ID = 1

CellKey = tuple[int, str, str, str, str, str, str, str, str, str]
MonthKey = tuple[int, str, str, str, str]


def cell_counts(facts: Iterable[Fact]) -> tuple[Counter[CellKey], Counter[MonthKey]]:
    """The cells and month rows the facts make: each incident once under scheme "", and once
    under each of its codes of each scheme."""
    cells: Counter[CellKey] = Counter()
    months: Counter[MonthKey] = Counter()
    for f in facts:
        base = (f.org_id, f.month, f.status, f.type, f.target_kind, f.country, f.region, f.city)
        cells[(*base, TOTAL, TOTAL)] += 1
        months[(f.org_id, f.month, f.status, TOTAL, TOTAL)] += 1
        for scheme in SCHEMES:
            for code in f.codes(scheme):
                cells[(*base, scheme, code)] += 1
                months[(f.org_id, f.month, f.status, scheme, code)] += 1
    return cells, months


_CELL_COLUMNS = (
    "org_id",
    "month",
    "status",
    "type",
    "target_kind",
    "country",
    "region",
    "city",
    "scheme",
    "code",
)
_MONTH_COLUMNS = ("org_id", "month", "status", "scheme", "code")


def _store(session: Session, cells: Counter[CellKey], months: Counter[MonthKey]) -> None:
    bulk_insert(
        session,
        FigureCell.__table__,
        [{**dict(zip(_CELL_COLUMNS, k, strict=True)), "incidents": n} for k, n in cells.items()],
    )
    bulk_insert(
        session,
        FigureMonth.__table__,
        [{**dict(zip(_MONTH_COLUMNS, k, strict=True)), "incidents": n} for k, n in months.items()],
    )


def _months_touched(moment: dt.datetime) -> set[str]:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return {month_of((moment - ZONE_SLACK).date()), month_of((moment + ZONE_SLACK).date())}


def _month_runs(months: set[str]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive months as [first day, day after the last) ranges."""
    runs: list[tuple[dt.date, dt.date]] = []
    for month in sorted(months):
        start = month_start(month)
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], next_month(start))
        else:
            runs.append((start, next_month(start)))
    return runs


def recompute_months(session: Session, org_id: int, months: set[str]) -> None:
    """Replace the organisation's cells of these months by what its incidents give now."""
    for start, end in _month_runs(months):
        low, high = utc_window(start, end)
        window = IncidentFilters(occurred_after=low, occurred_before=high)
        facts = in_period(iter_facts(session, filters=window, org_ids=[org_id]), start, end)
        cells, month_rows = cell_counts(facts)
        wanted = {month_of(start)}
        day = next_month(start)
        while day < end:
            wanted.add(month_of(day))
            day = next_month(day)
        for model in (FigureCell, FigureMonth):
            session.execute(
                delete(model).where(model.org_id == org_id, model.month.in_(sorted(wanted)))
            )
        _store(session, cells, month_rows)


def _state(session: Session) -> FigureState:
    """The one state row, locked until the transaction ends: a refresh or rebuild taken first
    makes a second (the periodic task and `vigil reports figures refresh`) wait for its commit
    and then read the marks left, instead of writing the same cells twice."""
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgresql_insert if postgres else sqlite_insert
    session.execute(insert(FigureState).values(id=STATE_ID).on_conflict_do_nothing())
    state = session.get(FigureState, STATE_ID, with_for_update=True, populate_existing=True)
    assert state is not None
    return state


def _delete_marks(session: Session, ids: list[int]) -> None:
    """Delete exactly these marks: on PostgreSQL as one array per 100,000 (a million marks
    after an import were a thousand statements), elsewhere 500 at a time."""
    postgres = session.get_bind().dialect.name == "postgresql"
    size = 100_000 if postgres else 500
    for at in range(0, len(ids), size):
        chunk = ids[at : at + size]
        where = (
            FigureMark.id == any_(literal(chunk, ARRAY(Integer)))
            if postgres
            else FigureMark.id.in_(chunk)
        )
        session.execute(delete(FigureMark).where(where))


def refresh_figures(session: Session) -> int:
    """Bring the figures up to date with every change marked so far; the number of marks read."""
    state = _state(session)
    marks = session.execute(select(FigureMark.id, FigureMark.org_id, FigureMark.occurred_from))
    touched: dict[int, set[str]] = defaultdict(set)
    ids = []
    for mark_id, org_id, moment in marks:
        ids.append(mark_id)
        touched[org_id] |= _months_touched(moment)
    for org_id, months in sorted(touched.items()):
        recompute_months(session, org_id, months)
    _delete_marks(session, ids)
    state.refreshed_at = utcnow()
    return len(ids)


def rebuild_figures(session: Session) -> None:
    """Recompute every cell from the incidents (after a migration, or to repair)."""
    state = _state(session)
    pending = list(session.scalars(select(FigureMark.id)))
    session.execute(delete(FigureCell))
    session.execute(delete(FigureMonth))
    _store(session, *cell_counts(iter_facts(session)))
    _delete_marks(session, pending)
    now = utcnow()
    state.refreshed_at = state.rebuilt_at = now


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[object, ...]
    stored: int
    expected: int


def check_figures(session: Session) -> list[Difference]:
    """Every stored cell against the incidents, recomputed: the cells that differ (none when the
    figures are right). Run after a refresh; pending marks are differences still to come."""
    cells, months = cell_counts(iter_facts(session))
    found: list[Difference] = []
    tables: tuple[tuple[str, Any, tuple[str, ...], Mapping[Any, int]], ...] = (
        ("figure_cells", FigureCell, _CELL_COLUMNS, cells),
        ("figure_months", FigureMonth, _MONTH_COLUMNS, months),
    )
    for name, model, columns, expected in tables:
        stored: Counter[Any] = Counter()
        for row in session.execute(select(*(getattr(model, c) for c in columns), model.incidents)):
            stored[tuple(row[:-1])] = row[-1]
        for key in set(stored) | set(expected):
            if stored.get(key, 0) != expected.get(key, 0):
                found.append(Difference(name, key, stored.get(key, 0), expected.get(key, 0)))
    return sorted(found, key=lambda d: (d.table, str(d.key)))


@dataclass(frozen=True)
class Freshness:
    """How current the figures are: shown on every page that shows them."""

    refreshed_at: dt.datetime | None
    pending_changes: int


def freshness(session: Session) -> Freshness:
    state = session.get(FigureState, STATE_ID)
    pending = session.scalar(select(func.count()).select_from(FigureMark)) or 0
    return Freshness(state.refreshed_at if state else None, pending)


def _refresh_task(session: Session, settings: Settings) -> None:
    refresh_figures(session)


PERIODIC_TASKS = (PeriodicTask(REFRESH_FIGURES, REFRESH_SECONDS, _refresh_task),)
