"""The tables of a network's figures as one suppression system: month x type with its row,
column and grand totals, the same by year, by country, and by bias code. Every additive table is
a sum of the same base cells (month x type x country), so what one table publishes constrains
the others; bias codes do not add up and are variables of their own, tied to the total by the
inequalities that hold (counting rule 4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vigil.reports.disclosure import Cell, Figure, Inequality, Mark, System, add_cells
from vigil.reports.suppression import Protected

Key = tuple[str, ...]
Counts = Mapping[tuple[str, ...], int]


@dataclass(slots=True)
class Tables:
    """The system of a network's figures and where each published figure sits in it."""

    months: list[str]
    types: list[str]
    countries: list[str]
    codes: list[str]
    system: System = field(default_factory=System)
    index: dict[Key, int] = field(default_factory=dict)

    @property
    def years(self) -> list[str]:
        return sorted({m[:4] for m in self.months})

    def publish(self, key: Key, cells: Sequence[int]) -> None:
        """Publish a figure; one with the same cells as another is the same figure (a year
        that is the whole period is the grand total)."""
        wanted = frozenset(cells)
        for f, figure in enumerate(self.system.figures):
            if figure.cells == wanted:
                self.index[key] = f
                return
        self.system.figures.append(Figure(key=key, cells=wanted))
        self.index[key] = len(self.system.figures) - 1


def build_tables(
    *,
    months: Sequence[str],
    counts: Counts,
    known: Counts,
    code_counts: Counts,
    code_known: Counts,
) -> Tables:
    """The system for these counts: `counts`/`known` keyed (month, type, country),
    `code_counts`/`code_known` keyed (code,)."""
    types = sorted({k[1] for k in counts})
    countries = sorted({k[2] for k in counts})
    tables = Tables(
        months=list(months),
        types=types,
        countries=countries,
        codes=sorted({k[0] for k in code_counts}),
    )
    system = tables.system
    base: dict[Key, int] = {}
    keys = [(m, t, c) for m in months for t in types for c in countries]
    for key, i in zip(
        keys,
        add_cells(
            system, [Cell(counts.get(k, 0), min(known.get(k, 0), counts.get(k, 0))) for k in keys]
        ),
        strict=True,
    ):
        base[key] = i

    def cells(
        month: str | None = None,
        kind: str | None = None,
        country: str | None = None,
        year: str | None = None,
    ) -> list[int]:
        return [
            i
            for (m, t, c), i in base.items()
            if (month is None or m == month)
            and (kind is None or t == kind)
            and (country is None or c == country)
            and (year is None or m.startswith(year))
        ]

    for m in months:
        for t in types:
            tables.publish(("cell", m, t), cells(month=m, kind=t))
        tables.publish(("month", m), cells(month=m))
    for t in types:
        tables.publish(("type", t), cells(kind=t))
    tables.publish(("total",), cells())
    for y in tables.years:
        for t in types:
            tables.publish(("year_type", y, t), cells(kind=t, year=y))
        tables.publish(("year", y), cells(year=y))
    for c in countries:
        tables.publish(("country", c), cells(country=c))
    _add_codes(tables, code_counts, code_known, list(base.values()))
    return tables


def _add_codes(
    tables: Tables, code_counts: Counts, code_known: Counts, everything: list[int]
) -> None:
    system = tables.system
    codes = tables.codes
    first = add_cells(
        system,
        [
            Cell(code_counts.get((c,), 0), min(code_known.get((c,), 0), code_counts.get((c,), 0)))
            for c in codes
        ],
    )
    for code, i in zip(codes, first, strict=True):
        tables.publish(("bias", code), [i])
        # A code counts some of the incidents: at most all of them.
        system.inequalities.append(
            Inequality(terms={i: 1, **dict.fromkeys(everything, -1)}, high=0)
        )
    if codes:
        # Every incident has a code or "unspecified": the codes together count each at least once.
        system.inequalities.append(
            Inequality(terms={**dict.fromkeys(first, 1), **dict.fromkeys(everything, -1)}, low=0)
        )


@dataclass(frozen=True, slots=True)
class Shown:
    """A figure as published: its value, or None with the mark that hides it."""

    value: int | None
    mark: Mark | None = None


def shown(tables: Tables, protected: Protected, key: Key) -> Shown:
    f = tables.index[key]
    mark = protected.mark(f)
    return Shown(None, mark) if mark else Shown(tables.system.value(f))
