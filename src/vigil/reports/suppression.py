"""Statistical disclosure control for network figures (DOMAIN.md counting rule 7, DECISIONS 34).

A published table is a set of figures, each the sum of some hidden base cells (non-negative
integers). The viewer knows a lower bound of each base cell: the incidents in it they can read
record by record, or count as their own organisation's. A figure of 1-4 the viewer could not
read entirely is hidden (primary); further figures are hidden (secondary) until no primary
figure can be pinned, or narrowed to fewer than three values, by an attacker who solves the
integer program over everything published together.

What the attacker learns from each mark is part of the program, so the marks' rules are:
- "small" ("fewer than 5"): a primary figure whose known part is at most 1: its value is in
  max(1, known + 1)..4, at least three values.
- "hidden": every other hidden figure. For a known part of at least 2 that is all it says; for
  less it says the figure is not primary: the value is its known part or at least 5.
A primary figure whose known part is 2 or 3 is therefore "hidden", never "fewer than 5": that
mark alone would leave it two values or one.

Code dimensions (bias, IHRA) do not add up: a table of codes is modelled with a variable per
code and the inequalities that hold (each code count <= the total; their sum >= the total,
since "unspecified" is a code), passed as `Inequality`.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

SMALL = 5  # figures of 1..SMALL-1 are primary
SPREAD = 2  # max - min a primary figure must keep: at least three possible values
SHOW_AGAIN = 12  # secondary figures tried again at most (each try audits every primary)
KEPT = 64  # answers of `protect` kept in memory
_KEPT: OrderedDict[Hashable, Protected] = OrderedDict()
_LOCK = threading.Lock()


class Reason(StrEnum):
    primary = "primary"
    secondary = "secondary"


class Mark(StrEnum):
    small = "small"  # shown as "fewer than 5"
    hidden = "hidden"  # shown as hidden to protect another figure


@dataclass(frozen=True, slots=True)
class Cell:
    """A base cell: its true value and how many of its incidents the viewer already knows."""

    value: int
    known: int = 0


@dataclass(frozen=True, slots=True)
class Figure:
    """A published figure: the sum of some base cells (indices into `System.cells`)."""

    key: tuple[str, ...]
    cells: frozenset[int]


@dataclass(frozen=True, slots=True)
class Inequality:
    """sum(coefficient * cell) >= low (and <= high): what else holds among base cells."""

    terms: Mapping[int, int]
    low: float = -math.inf
    high: float = math.inf


@dataclass(slots=True)
class System:
    """Base cells, the figures published over them and the inequalities among them."""

    cells: list[Cell] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    inequalities: list[Inequality] = field(default_factory=list)

    def value(self, figure: int) -> int:
        return sum(self.cells[i].value for i in self.figures[figure].cells)

    def known(self, figure: int) -> int:
        return sum(self.cells[i].known for i in self.figures[figure].cells)


@dataclass(frozen=True, slots=True)
class Exposure:
    """A primary figure the attacker narrows to low..high (high None: unbounded)."""

    figure: int
    low: int
    high: int | None


@dataclass(frozen=True, slots=True)
class Protected:
    """Which figures are hidden and why; `mark` is what the page shows for each."""

    hidden: dict[int, Reason]
    marks: dict[int, Mark]

    def mark(self, figure: int) -> Mark | None:
        return self.marks.get(figure)


def is_primary(system: System, figure: int) -> bool:
    """A figure of 1-4 the viewer could not read entirely."""
    value = system.value(figure)
    return 0 < value < SMALL and system.known(figure) < value


def marks_of(system: System, hidden: Mapping[int, Reason]) -> dict[int, Mark]:
    """The mark each hidden figure shows (module docstring)."""
    return {
        f: Mark.small if reason is Reason.primary and system.known(f) <= 1 else Mark.hidden
        for f, reason in hidden.items()
    }


def protect(system: System) -> Protected:
    """Primary suppression, then secondary suppression until `audit` finds nothing. The
    integer programs take seconds on a large table: the answer is kept per system (the same
    figures and the same knowledge give the same answer), for the viewers who come back."""
    key = _digest(system)
    with _LOCK:
        found = _KEPT.get(key)
        if found is not None:
            _KEPT.move_to_end(key)
            return found
    found = _protect(system)
    with _LOCK:
        _KEPT[key] = found
        while len(_KEPT) > KEPT:
            _KEPT.popitem(last=False)
    return found


def _digest(system: System) -> Hashable:
    return (
        tuple((c.value, c.known) for c in system.cells),
        tuple((f.key, tuple(sorted(f.cells))) for f in system.figures),
        tuple((tuple(sorted(q.terms.items())), q.low, q.high) for q in system.inequalities),
    )


def _protect(system: System) -> Protected:
    hidden: dict[int, Reason] = {
        f: Reason.primary for f in range(len(system.figures)) if is_primary(system, f)
    }
    # Hiding more figures only loosens the attacker's program, so a figure protected once
    # stays protected: one pass over the primary figures suffices.
    program = _Program(system, hidden)
    for figure in sorted(hidden, key=lambda f: system.figures[f].key):
        while (exposure := _exposure(program, figure)) is not None:
            extra = _next_to_hide(system, hidden, exposure.figure)
            if extra is None:
                break  # everything around it is hidden: nothing more to give
            hidden[extra] = Reason.secondary
            program = _Program(system, hidden, program.pool)
    hidden = _show_again(system, hidden, program.pool)
    return Protected(hidden=hidden, marks=marks_of(system, hidden))


def _show_again(
    system: System, hidden: dict[int, Reason], pool: list[np.ndarray]
) -> dict[int, Reason]:
    """Show again the secondary figures the greedy pass hid in vain, largest first (the most
    informative), as long as every primary figure stays protected."""
    secondary = [f for f, reason in hidden.items() if reason is Reason.secondary]
    primary = [f for f, reason in hidden.items() if reason is Reason.primary]
    for figure in sorted(secondary, key=lambda f: (-system.value(f), system.figures[f].key))[
        :SHOW_AGAIN
    ]:
        trial = {f: r for f, r in hidden.items() if f != figure}
        cells = list(system.figures[figure].cells)
        value = system.value(figure)
        # Solutions that agree with the figure shown stay solutions; the others go.
        kept = [x for x in pool if round(float(x[cells].sum())) == value]
        program = _Program(system, trial, kept)
        if all(_exposure(program, f) is None for f in primary):
            hidden, pool = trial, program.pool
    return hidden


def audit(system: System, hidden: Mapping[int, Reason]) -> list[Exposure]:
    """The primary figures an attacker pins or narrows to fewer than three values from
    everything published with these figures hidden."""
    program = _Program(system, hidden)
    return [
        found
        for f in sorted(hidden)
        if hidden[f] is Reason.primary and (found := _exposure(program, f)) is not None
    ]


def bounds(system: System, hidden: Mapping[int, Reason], figure: int) -> tuple[int, int | None]:
    """The least and greatest value of a figure the attacker finds consistent with what is
    published (None: no upper bound)."""
    program = _Program(system, hidden)
    return program.least(figure), program.greatest(figure)


def _exposure(program: _Program, figure: int) -> Exposure | None:
    system = program.system
    # Solutions found so far (the true values first) already spread wide enough: no solving.
    seen = program.seen(figure)
    if max(seen) - min(seen) >= SPREAD:
        return None
    low = program.least(figure)
    if (
        low > SMALL - 1 - SPREAD
        and marks_of(system, {figure: Reason.primary})[figure] is Mark.small
    ):
        return Exposure(figure=figure, low=low, high=SMALL - 1)  # "fewer than 5" caps it
    high = program.greatest(figure)
    if high is None or high - low >= SPREAD:
        return None
    return Exposure(figure=figure, low=low, high=high)


class _Program:
    """The attacker's integer program: base cells (integers, >= known), and per hidden figure
    with a "not primary" meaning a binary choosing "= known part" or ">= 5"."""

    def __init__(
        self, system: System, hidden: Mapping[int, Reason], pool: list[np.ndarray] | None = None
    ) -> None:
        self.system = system
        # Whole-number solutions met so far: hiding more only loosens the program, so they stay
        # solutions of every later one. The true values are one.
        self.pool = pool if pool is not None else [np.array([c.value for c in system.cells])]
        cells = system.cells
        n = len(cells)
        marks = marks_of(system, hidden)
        either = [f for f, m in marks.items() if m is Mark.hidden and system.known(f) < 2]
        self.size = n + len(either)
        total = sum(c.value for c in cells)
        # No base cell can exceed this without being unbounded for the question asked.
        self.cap = 4 * total + 4 * SMALL * (n + 1)
        rows: list[np.ndarray] = []
        lows: list[float] = []
        highs: list[float] = []

        def add(terms: Mapping[int, float], low: float, high: float) -> None:
            row = np.zeros(self.size)
            for i, c in terms.items():
                row[i] += c
            rows.append(row)
            lows.append(low)
            highs.append(high)

        for f, figure in enumerate(system.figures):
            terms = dict.fromkeys(figure.cells, 1.0)
            known = system.known(f)
            if f not in hidden:
                value = system.value(f)
                add(terms, value, value)
            elif marks[f] is Mark.small:
                add(terms, max(1, known + 1), SMALL - 1)
        for b, f in enumerate(either, start=n):
            terms = dict.fromkeys(system.figures[f].cells, 1.0)
            known = system.known(f)
            # b = 0: sum <= known; b = 1: sum >= SMALL.
            add({**terms, b: -float(self.cap)}, -math.inf, known)
            add({**terms, b: -float(SMALL)}, 0, math.inf)
        for inequality in system.inequalities:
            add({i: float(c) for i, c in inequality.terms.items()}, inequality.low, inequality.high)
        self.constraints = (
            [LinearConstraint(np.vstack(rows), np.array(lows), np.array(highs))] if rows else []
        )
        lower = [float(c.known) for c in cells] + [0.0] * len(either)
        upper = [float(self.cap)] * n + [1.0] * len(either)
        self.bounds = Bounds(np.array(lower), np.array(upper))
        self.integrality = np.ones(self.size)
        self.relaxed = np.zeros(self.size)

    def _solve(self, figure: int, sign: float) -> float:
        objective = np.zeros(self.size)
        for i in self.system.figures[figure].cells:
            objective[i] = sign
        # The relaxation first: when its optimum is whole numbers it is the integer optimum
        # (tables with their totals mostly are), at a fraction of the time.
        for integrality in (self.relaxed, self.integrality):
            result = milp(
                objective,
                constraints=self.constraints,
                integrality=integrality,
                bounds=self.bounds,
            )
            if result.status != 0 or result.x is None:
                raise ValueError(f"the published figures are inconsistent: {result.message}")
            if np.all(np.abs(result.x - np.round(result.x)) < 1e-6):
                self.pool.append(np.round(result.x[: len(self.system.cells)]))
                break
        return float(sign * result.fun)

    def seen(self, figure: int) -> list[int]:
        cells = list(self.system.figures[figure].cells)
        return [round(float(x[cells].sum())) for x in self.pool]

    def least(self, figure: int) -> int:
        return round(self._solve(figure, 1.0))

    def greatest(self, figure: int) -> int | None:
        high = round(self._solve(figure, -1.0))
        # Reaching a base cell's cap means nothing published bounds it.
        return None if high >= self.cap else high


def _next_to_hide(system: System, hidden: Mapping[int, Reason], figure: int) -> int | None:
    """The cheapest visible figure whose hiding may widen `figure`'s range. First, as in the
    classic rule "no row or column with a single hidden cell": a visible figure containing a
    hidden one (this one first) with no other hidden part gets its cheapest other part hidden.
    Then any part of a figure containing this one, then the containing figures themselves,
    then figures tied to it by an inequality (codes and their total)."""
    figures = system.figures
    cells = figures[figure].cells

    def cost(f: int) -> tuple[bool, bool, int, tuple[str, ...]]:
        value = system.value(f)
        return (system.known(f) >= value, value == 0, value, figures[f].key)

    def containing(g: int) -> list[int]:
        inner = figures[g].cells
        return sorted(
            (o for o in range(len(figures)) if inner < figures[o].cells),
            key=lambda o: (len(figures[o].cells), figures[o].key),
        )

    def parts(outer: int, beside: frozenset[int]) -> list[int]:
        whole = figures[outer].cells
        return [
            p
            for p in range(len(figures))
            if p != outer and figures[p].cells < whole and not figures[p].cells & beside
        ]

    others = sorted((g for g in hidden if g != figure), key=lambda g: figures[g].key)
    for g in (figure, *others):
        inner = figures[g].cells
        for outer in containing(g):
            if outer in hidden:
                continue
            inside = parts(outer, inner)
            free = [p for p in inside if p not in hidden]
            if free and len(free) == len(inside):
                return min(free, key=cost)
    for outer in containing(figure):
        free = [p for p in parts(outer, cells) if p not in hidden]
        if free:
            return min(free, key=cost)
    outer_visible = [o for o in containing(figure) if o not in hidden]
    overlapping = [
        g
        for g in range(len(figures))
        if g not in hidden and g != figure and figures[g].cells & cells
    ]
    tied = {i for q in system.inequalities if cells & q.terms.keys() for i in q.terms}
    linked = [
        g
        for g in range(len(figures))
        if g not in hidden and g != figure and figures[g].cells & tied
    ]
    for group in (outer_visible, overlapping, linked):
        if group:
            return min(group, key=cost)
    return None


def hidden_keys(system: System, protected: Protected) -> dict[tuple[str, ...], Mark]:
    """Each hidden figure's key and mark, for the tables the caller builds."""
    return {system.figures[f].key: m for f, m in protected.marks.items()}


def figure_index(system: System) -> dict[tuple[str, ...], int]:
    return {figure.key: f for f, figure in enumerate(system.figures)}


def add_figure(system: System, key: tuple[str, ...], cells: Collection[int]) -> int:
    """Publish one more figure over these base cells; its index."""
    system.figures.append(Figure(key=key, cells=frozenset(cells)))
    return len(system.figures) - 1


def add_cells(system: System, cells: Sequence[Cell]) -> list[int]:
    start = len(system.cells)
    system.cells.extend(cells)
    return list(range(start, start + len(cells)))
