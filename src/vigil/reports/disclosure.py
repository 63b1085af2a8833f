"""What a publication of figures discloses: the attacker's integer program (DOMAIN.md counting
rule 7, DECISIONS 34). A published table is a set of figures, each the sum of some hidden base
cells (non-negative integers) the viewer knows a lower bound of; hidden figures say what their
mark says (`suppression` states the rules). `audit` finds the small figures an attacker pins or
narrows to fewer than three values from everything published together.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

SMALL = 5  # figures of 1..SMALL-1 are primary
SPREAD = 2  # max - min a primary figure must keep: at least three possible values


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


def is_primary(system: System, figure: int) -> bool:
    """A figure of 1-4 the viewer could not read entirely."""
    value = system.value(figure)
    return 0 < value < SMALL and system.known(figure) < value


def marks_of(system: System, hidden: Mapping[int, Reason]) -> dict[int, Mark]:
    """The mark each hidden figure shows (the rules: `suppression`)."""
    return {
        f: Mark.small if reason is Reason.primary and system.known(f) <= 1 else Mark.hidden
        for f, reason in hidden.items()
    }


def audit(system: System, hidden: Mapping[int, Reason]) -> list[Exposure]:
    """The primary figures an attacker pins or narrows to fewer than three values from
    everything published with these figures hidden."""
    program = Program(system, hidden)
    return [
        found
        for f in sorted(hidden)
        if hidden[f] is Reason.primary and (found := exposure(program, f)) is not None
    ]


def bounds(system: System, hidden: Mapping[int, Reason], figure: int) -> tuple[int, int | None]:
    """The least and greatest value of a figure the attacker finds consistent with what is
    published (None: no upper bound)."""
    program = Program(system, hidden)
    return program.least(figure), program.greatest(figure)


def exposure(program: Program, figure: int) -> Exposure | None:
    """The figure's range when the attacker narrows it to fewer than three values, else None."""
    # Solutions found so far (the true values first) already spread wide enough: no solving.
    seen = program.seen(figure)
    if max(seen) - min(seen) >= SPREAD:
        return None
    low = program.least(figure)
    high = program.greatest(figure)
    if high is None or high - low >= SPREAD:
        return None
    return Exposure(figure=figure, low=low, high=high)


class Program:
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
