"""YAML data files (methodologies, playbooks) validated by pydantic, with errors that name the
file, the line and the key, so the person who edits the YAML can find what is wrong.

Methodologies and playbooks are data, not code (issues 4 and 6): they are written by people who
do not read Python, so an error must point at their text, not at a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from vigil.core.errors import Invalid

M = TypeVar("M", bound=BaseModel)
MAX_DATA_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 when the problem is the whole document
    key: str  # dotted path, e.g. "sections.2.questions.5.weight"
    reason: str


class DataFileError(Invalid):
    """A YAML data file that cannot be used; `problems` say where and why, first one first."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.data_problems = problems
        lines = [f"{file}:{p.line}: {p.key or '(document)'}: {p.reason}" for p in problems]
        pairs = [(p.key or "document", line) for p, line in zip(problems, lines, strict=True)]
        first, *rest = pairs
        super().__init__(first[0], first[1], more=rest)
        self.detail = "; ".join(lines)

    def __str__(self) -> str:
        return self.detail


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The line of the deepest node on `loc` that exists in the document."""
    line = node.start_mark.line + 1 if node is not None else 0
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == str(part)), None)
            if found is None:
                key_nodes = [k for k, _ in node.value]
                # A missing key: point at the mapping that lacks it.
                return key_nodes[0].start_mark.line + 1 if key_nodes else line
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def line_finder(text: str) -> Callable[[tuple[Any, ...]], int]:
    """Lines of keys in a YAML text already parsed, for checks made after validation (e.g. the
    languages of a data file's texts), so their problems point at lines as validation's do."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return lambda loc: _line_of(node, loc)


def invalid_at(loc: tuple[str | int, ...], message: str, value: object = None) -> ValidationError:
    """A validation error at `loc` (relative to the model being validated), so a problem found
    by a check across fields still names the key, and so the line, it belongs to."""
    details = InitErrorDetails(type=PydanticCustomError("invalid", message), loc=loc, input=value)
    return ValidationError.from_exception_data("invalid", [details])


def _reason(error: dict[str, Any]) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def parse_model(text: str, model: type[M], *, file: str) -> M:
    """Parse YAML `text` into `model`; any problem raises DataFileError naming file and line."""
    if len(text.encode("utf-8", errors="replace")) > MAX_DATA_FILE_BYTES:
        raise DataFileError(file, [Problem(0, "", "the file is larger than 2 MB")])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 0
        raise DataFileError(file, [Problem(line, "", f"not valid YAML: {exc.problem}")]) from exc
    except yaml.YAMLError as exc:
        raise DataFileError(file, [Problem(0, "", f"not valid YAML: {exc}")]) from exc
    if not isinstance(data, dict):
        raise DataFileError(file, [Problem(1, "", "the document must be a mapping of keys")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                _line_of(node, tuple(e["loc"])),
                ".".join(str(p) for p in e["loc"]),
                _reason(dict(e)),
            )
            for e in exc.errors()
        ]
        raise DataFileError(file, problems) from exc


def load_model(path: Path, model: type[M]) -> M:
    """Read and validate one YAML data file; errors name `path` as the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(str(path), [Problem(0, "", "the file is not UTF-8 text")]) from exc
    return parse_model(text, model, file=str(path))
