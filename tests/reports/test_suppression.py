"""Primary and secondary suppression of small figures, audited with integer programming: hand-made
tables where the classic attacks (a row total minus the other cells, a month table against its
year table, non-additive codes against the total) would recover a small figure."""

from __future__ import annotations

from vigil.reports.disclosure import (
    Cell,
    Inequality,
    Mark,
    Reason,
    System,
    add_cells,
    add_figure,
    audit,
    bounds,
    figure_index,
)
from vigil.reports.suppression import protect


def _grid(values: list[list[int]], known: dict[tuple[int, int], int] | None = None) -> System:
    """A table with its cells, row totals, column totals and grand total."""
    system = System()
    cell: dict[tuple[int, int], int] = {}
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            [cell[r, c]] = add_cells(system, [Cell(value, (known or {}).get((r, c), 0))])
            add_figure(system, ("cell", str(r), str(c)), [cell[r, c]])
    for r in range(len(values)):
        add_figure(system, ("row", str(r)), [cell[r, c] for c in range(len(values[0]))])
    for c in range(len(values[0])):
        add_figure(system, ("column", str(c)), [cell[r, c] for r in range(len(values))])
    add_figure(system, ("total",), list(cell.values()))
    return system


def _keys(system: System, hidden: dict[int, Reason]) -> dict[tuple[str, ...], Reason]:
    return {system.figures[f].key: reason for f, reason in hidden.items()}


def test_a_single_small_cell_needs_a_second_hidden_cell_in_its_row_and_column() -> None:
    system = _grid([[2, 7, 9], [8, 6, 12], [10, 11, 5]])
    small = figure_index(system)[("cell", "0", "0")]
    # Primary suppression alone: the row total minus the other cells gives it away.
    assert audit(system, {small: Reason.primary})[0].low == 2
    assert bounds(system, {small: Reason.primary}, small) == (2, 2)

    protected = protect(system)
    hidden = _keys(system, protected.hidden)
    assert hidden[("cell", "0", "0")] is Reason.primary
    rows = {k[1] for k in hidden if k[0] == "cell"}
    columns = {k[2] for k in hidden if k[0] == "cell"}
    assert len(rows) >= 2 and len(columns) >= 2  # a rectangle of hidden cells at least
    assert sum(1 for k in hidden if k[0] == "cell" and k[1] == "0") >= 2
    assert sum(1 for k in hidden if k[0] == "cell" and k[2] == "0") >= 2
    assert audit(system, protected.hidden) == []
    low, high = bounds(system, protected.hidden, small)
    assert high is not None and high - low >= 2
    assert protected.mark(small) is Mark.small


def test_a_small_cell_the_viewer_can_read_entirely_is_not_hidden() -> None:
    system = _grid([[2, 7], [8, 6]], known={(0, 0): 2})
    assert protect(system).hidden == {}


def test_a_partly_known_small_cell_keeps_three_possible_values() -> None:
    system = _grid([[2, 7, 9], [8, 6, 12], [10, 11, 5]], known={(0, 0): 1})
    protected = protect(system)
    small = figure_index(system)[("cell", "0", "0")]
    assert protected.hidden[small] is Reason.primary
    assert bounds(system, protected.hidden, small) == (2, 4)


def test_a_small_cell_mostly_known_is_hidden_without_saying_it_is_small() -> None:
    # Known 3 of 4: "fewer than 5" would pin it to 4, so it shows the plain hidden mark.
    system = _grid([[4, 7, 9], [8, 6, 12], [10, 11, 5]], known={(0, 0): 3})
    protected = protect(system)
    small = figure_index(system)[("cell", "0", "0")]
    assert protected.hidden[small] is Reason.primary
    assert protected.mark(small) is Mark.hidden
    assert audit(system, protected.hidden) == []


def test_linked_month_and_year_tables_are_protected_together() -> None:
    # Two months of one year by two types, and the year by type: the year's threat figure
    # minus the visible month gives the small month away unless the year figure follows.
    system = System()
    values = {("01", "threat"): 3, ("01", "damage"): 9, ("02", "threat"): 8, ("02", "damage"): 6}
    ids = {key: add_cells(system, [Cell(v)])[0] for key, v in values.items()}
    for (month, kind), i in ids.items():
        add_figure(system, ("cell", month, kind), [i])
    for month in ("01", "02"):
        add_figure(system, ("month", month), [i for (m, _), i in ids.items() if m == month])
    for kind in ("threat", "damage"):
        add_figure(system, ("year_type", kind), [i for (_, k), i in ids.items() if k == kind])
    add_figure(system, ("year",), list(ids.values()))
    protected = protect(system)
    assert audit(system, protected.hidden) == []
    hidden = _keys(system, protected.hidden)
    assert ("cell", "01", "threat") in hidden
    assert len([k for k in hidden if k[0] == "cell"]) == 4  # 2 x 2: every cell joins in


def test_bias_codes_that_do_not_add_up_still_bound_a_small_code() -> None:
    # 10 incidents, 9 without a code and 2 with antisemitism: one has both, the table cannot say.
    system = System()
    incidents = add_cells(system, [Cell(10)])
    add_figure(system, ("total",), incidents)
    codes = add_cells(system, [Cell(2), Cell(9)])
    small = add_figure(system, ("bias", "antisemitism"), [codes[0]])
    add_figure(system, ("bias", "unspecified"), [codes[1]])
    for code in codes:
        system.inequalities.append(Inequality({code: 1, incidents[0]: -1}, high=0))
    system.inequalities.append(Inequality({codes[0]: 1, codes[1]: 1, incidents[0]: -1}, low=0))
    protected = protect(system)
    assert protected.hidden == {small: Reason.primary}
    # The codes need only cover the total: 1..4 stay possible.
    assert bounds(system, protected.hidden, small) == (1, 4)


def test_a_code_narrowed_by_the_rest_of_the_total_gets_a_secondary_figure() -> None:
    # Codes cover every incident at least once: with "unspecified" = 7 of 10 visible the
    # small code must be 3 or 4; hiding the unspecified figure too widens it again.
    system = System()
    incidents = add_cells(system, [Cell(10)])
    add_figure(system, ("total",), incidents)
    codes = add_cells(system, [Cell(4), Cell(7)])
    small = add_figure(system, ("bias", "antisemitism"), [codes[0]])
    rest = add_figure(system, ("bias", "unspecified"), [codes[1]])
    for code in codes:
        system.inequalities.append(Inequality({code: 1, incidents[0]: -1}, high=0))
    system.inequalities.append(Inequality({codes[0]: 1, codes[1]: 1, incidents[0]: -1}, low=0))
    assert bounds(system, {small: Reason.primary}, small) == (3, 4)
    protected = protect(system)
    assert protected.hidden == {small: Reason.primary, rest: Reason.secondary}
    assert audit(system, protected.hidden) == []
