"""Explanations: every number an assessment shows carries the formula and the inputs it came from.

The formula is a small arithmetic expression over the named inputs, written so a person can
read it ("100 * (1 - dot(weights, values) / sum(weights))") and so `evaluate` can recompute it:
a test recomputes each shown number from its shown inputs (DECISIONS 1), which keeps the
explanation honest. `evaluate` walks the expression's syntax tree and allows only arithmetic and
the functions below, so it never runs arbitrary code.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Input = float | int | str | None | list[Any]


@dataclass(frozen=True)
class Explanation:
    value: float
    formula: str
    inputs: Mapping[str, Input] = field(default_factory=dict)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "formula": self.formula,
            "inputs": dict(self.inputs),
            "note": self.note,
        }


def round_half_up(x: float) -> int:
    """Rounding as people do it (2.5 -> 3), unlike Python's banker's rounding."""
    return math.floor(x + 0.5 + 1e-9)


def clamp(x: float, low: float, high: float) -> float:
    return max(low, min(high, x))


def dot(*vectors: Sequence[float]) -> float:
    """Sum of element-wise products of equally long lists."""
    total = 0.0
    for items in zip(*vectors, strict=True):
        product = 1.0
        for item in items:
            product *= item
        total += product
    return total


def step(x: float, starts: Sequence[float], levels: Sequence[float]) -> float:
    """The level of the last step whose start is <= x (starts ascend)."""
    found = levels[0]
    for start, level in zip(starts, levels, strict=True):
        if x >= start:
            found = level
    return found


def upto(x: float, maxima: Sequence[float | None], values: Sequence[float]) -> float:
    """The value of the first band whose maximum is >= x; a None maximum takes any x."""
    for maximum, value in zip(maxima, values, strict=True):
        if maximum is None or x <= maximum:
            return value
    raise ValueError(f"{x} is beyond the last band")


def lookup(key: str | int, keys: Sequence[str | int], values: Sequence[float]) -> float:
    return values[list(keys).index(key)]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sum": lambda xs: math.fsum(xs),
    "min": min,
    "max": max,
    "clamp": clamp,
    "round_half_up": round_half_up,
    "dot": dot,
    "step": step,
    "upto": upto,
    "lookup": lookup,
}
_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def evaluate(formula: str, inputs: Mapping[str, Input]) -> Any:
    """Recompute a formula from its named inputs (arithmetic and FUNCTIONS only)."""
    return _eval(ast.parse(formula, mode="eval").body, inputs)


def _eval(node: ast.expr, inputs: Mapping[str, Input]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in inputs:
            raise ValueError(f"the formula uses '{node.id}', which is not among the inputs")
        return inputs[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _eval(node.left, inputs), _eval(node.right, inputs)
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, inputs)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in FUNCTIONS
        and not node.keywords
    ):
        return FUNCTIONS[node.func.id](*(_eval(arg, inputs) for arg in node.args))
    raise ValueError(f"not allowed in a formula: {ast.dump(node)[:80]}")
