"""An attacker written apart from `vigil.reports.suppression`: reads the network figures as
published (the JSON API's tables) with what the viewer knows of each base cell, and solves the
integer program for the least and greatest value each "fewer than 5" figure may have.

It uses everything published: every visible figure as an equation, "fewer than 5" as 1..4
above what the viewer knows, the plain hidden mark as "not small unless mostly known", the bias
codes against the total (each at most the total, together at least the total)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

Base = tuple[str, str, str]  # month, type, country
CAP = 10_000


def _cells_of(table: str, row: str, column: str, base: list[Base]) -> list[int]:
    def match(i: int) -> bool:
        month, kind, country = base[i]
        if table == "month":
            return (row == "total" or month == row) and (column == "total" or kind == column)
        if table == "year":
            return (row == "total" or month[:4] == row) and (column == "total" or kind == column)
        return row == "total" or country == ("" if row == "unspecified" else row)

    return [i for i in range(len(base)) if match(i)]


def ranges(
    published: Mapping[str, Any], known: Mapping[Base, int], code_known: Mapping[str, int]
) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(table, row, column) of each "fewer than 5" figure -> its least and greatest value."""
    tables = {t["name"]: t for t in published["tables"]}
    months = [r["label"] for r in tables["month"]["rows"]]
    types = [c for c in tables["month"]["columns"] if c != "total"]
    countries = [
        "" if r["label"] == "unspecified" else r["label"] for r in tables["country"]["rows"]
    ]
    codes = [r["label"] for r in tables["bias"]["rows"]]
    base = [(m, t, c) for m in months for t in types for c in countries]
    n, k = len(base), len(codes)
    figures: list[tuple[tuple[str, str, str], list[int], dict[str, Any]]] = []
    for name, table in tables.items():
        for row in [*table["rows"], table["total"]]:
            for column, cell in zip(table["columns"], row["cells"], strict=True):
                if name == "bias" and row["label"] != "total":
                    cells = [n + codes.index(row["label"])]
                else:
                    cells = _cells_of(name, row["label"], column, base)
                figures.append(((name, row["label"], column), cells, cell))
    lower = [known.get(b, 0) for b in base] + [code_known.get(c, 0) for c in codes]
    either = [f for f in figures if f[2]["mark"] == "hidden" and sum(lower[i] for i in f[1]) < 2]
    size = n + k + len(either)
    rows, lows, highs = [], [], []

    def add(terms: Mapping[int, float], low: float, high: float) -> None:
        row = np.zeros(size)
        for i, c in terms.items():
            row[i] += c
        rows.append(row)
        lows.append(low)
        highs.append(high)

    for _, cells, cell in figures:
        part = sum(lower[i] for i in cells)
        if cell["value"] is not None:
            add(dict.fromkeys(cells, 1.0), cell["value"], cell["value"])
        elif cell["mark"] == "small":
            add(dict.fromkeys(cells, 1.0), max(1, part + 1), 4)
    for b, (_, cells, _) in enumerate(either, start=n + k):
        part = sum(lower[i] for i in cells)
        add({**dict.fromkeys(cells, 1.0), b: -float(CAP)}, -np.inf, part)  # b=0: all known
        add({**dict.fromkeys(cells, 1.0), b: -5.0}, 0, np.inf)  # b=1: 5 or more
    everything = dict.fromkeys(range(n), -1.0)
    for c in range(n, n + k):
        add({c: 1.0, **everything}, -np.inf, 0)
    if k:
        add({**dict.fromkeys(range(n, n + k), 1.0), **everything}, 0, np.inf)
    constraints = LinearConstraint(np.vstack(rows), np.array(lows), np.array(highs))
    bounds = Bounds(
        np.array(lower + [0] * len(either), float),
        np.array([CAP] * (n + k) + [1] * len(either), float),
    )
    found: dict[tuple[str, str, str], tuple[int, int]] = {}
    for key, cells, cell in figures:
        if cell["mark"] != "small":
            continue
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(size)
            objective[cells] = sign
            result = milp(
                objective, constraints=constraints, integrality=np.ones(size), bounds=bounds
            )
            assert result.status == 0, result.message
            ends.append(round(sign * result.fun))
        found[key] = (ends[0], ends[1])
    return found
