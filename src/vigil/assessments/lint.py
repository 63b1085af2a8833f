"""The methodology lint: a file that loads may still be half translated. It declares the
languages it is written in (`languages: [en, cs, de]`), and every human text must then be
there in each of them, or a reader of that language would get English in the middle of a
questionnaire. Each gap is reported with the file, line and key, like loading errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

from vigil.assessments.methodology import Methodology, parse_methodology
from vigil.core.datafile import DataFileError, Problem
from vigil.core.datafile import _line_of as line_of
from vigil.core.localised import languages_of

Loc = tuple[str | int, ...]


def texts_of(m: Methodology) -> Iterator[tuple[Loc, str | dict[str, str]]]:
    """Every human text the file itself gives, with its place in the document."""
    yield ("title",), m.title
    if m.description:
        yield ("description",), m.description
    if "maturity_labels" in m.model_fields_set:
        for level, label in m.maturity_labels.items():
            yield ("maturity_labels", level), label
    for code, scale in m.scoring.number_scales.items():
        yield ("scoring", "number_scales", code, "unit"), scale.unit
    for i, scenario in enumerate(m.scenarios):
        yield ("scenarios", i, "title"), scenario.title
    for i, s in enumerate(m.sections):
        yield ("sections", i, "title"), s.title
        if s.description:
            yield ("sections", i, "description"), s.description
        for j, q in enumerate(s.questions):
            yield ("sections", i, "questions", j, "text"), q.text
            if q.help:
                yield ("sections", i, "questions", j, "help"), q.help
            for answer_level, wording in q.levels.items():
                yield ("sections", i, "questions", j, "levels", answer_level), wording
    for i, measure in enumerate(m.measures):
        yield ("measures", i, "text"), measure.text


def language_problems(text: str, *, file: str) -> list[Problem]:
    """Each text lacking a declared language, or in a language the file does not declare;
    a file that does not load raises DataFileError first."""
    methodology = parse_methodology(text, file=file)
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    declared = list(methodology.languages)
    problems = []
    for loc, value in texts_of(methodology):
        found = languages_of(value)
        key = ".".join(str(part) for part in loc)
        line = line_of(node, loc)
        for language in declared:
            if language not in found:
                problems.append(Problem(line, key, f"the '{language}' text is missing"))
        for language in sorted(found - set(declared)):
            reason = f"'{language}' is not one of the file's languages ({', '.join(declared)})"
            problems.append(Problem(line, key, reason))
    return problems


def lint_file(path: Path) -> list[str]:
    """The lint's report lines for one file: loading errors, else language gaps; [] if clean."""
    try:
        text = path.read_text(encoding="utf-8")
        problems = language_problems(text, file=str(path))
    except UnicodeDecodeError:
        return [f"{path}:0: (document): the file is not UTF-8 text"]
    except DataFileError as exc:
        return exc.detail.split("; ")
    return [f"{path}:{p.line}: {p.key}: {p.reason}" for p in problems]
