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

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np

from vigil.reports.disclosure import (
    Mark,
    Program,
    Reason,
    System,
    exposure,
    is_primary,
    marks_of,
)

SHOW_AGAIN = 12  # secondary figures tried again at most (each try audits every primary)
KEPT = 64  # answers of `protect` kept in memory
_KEPT: OrderedDict[Hashable, Protected] = OrderedDict()
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Protected:
    """Which figures are hidden and why; `mark` is what the page shows for each."""

    hidden: dict[int, Reason]
    marks: dict[int, Mark]

    def mark(self, figure: int) -> Mark | None:
        return self.marks.get(figure)


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
    program = Program(system, hidden)
    for figure in sorted(hidden, key=lambda f: system.figures[f].key):
        while (found := exposure(program, figure)) is not None:
            extra = _next_to_hide(system, hidden, found.figure)
            if extra is None:
                break  # everything around it is hidden: nothing more to give
            hidden[extra] = Reason.secondary
            program = Program(system, hidden, program.pool)
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
        program = Program(system, trial, kept)
        if all(exposure(program, f) is None for f in primary):
            hidden, pool = trial, program.pool
    return hidden


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
