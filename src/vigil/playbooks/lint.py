"""The lint of a playbook file beyond what loading it checks: every text a person reads is
written in each language the file declares (`languages: [en, cs, de]`), and in none it does
not (a `cz` for `cs` would never be shown). Problems name file, line and key like loading's
(vigil.core.datafile), so the author finds the text that needs a translation.

Loading stays lenient: a missing translation falls back to English, marked, so an
organisation can publish a version before its translators are done; `vigil playbooks lint`
and the suite (for the shipped library) hold files to what they declare.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from vigil.core.datafile import DataFileError, Problem, line_finder
from vigil.core.localised import languages_of
from vigil.playbooks.templates import PlaybookTemplate, parse_template

Loc = tuple[str | int, ...]


def texts_of(template: PlaybookTemplate) -> Iterator[tuple[Loc, str | dict[str, str]]]:
    """Every translatable text of the template with its place in the file."""
    yield ("title",), template.title
    if template.summary:
        yield ("summary",), template.summary
    for i, task in enumerate(template.tasks):
        yield ("tasks", i, "title"), task.title
        for j, line in enumerate(task.checklist):
            yield ("tasks", i, "checklist", j), line
        yield ("tasks", i, "guidance"), task.guidance
    for i, criterion in enumerate(template.reopening_criteria):
        yield ("reopening_criteria", i, "text"), criterion.text
        if criterion.guidance:
            yield ("reopening_criteria", i, "guidance"), criterion.guidance


def language_problems(template: PlaybookTemplate, text: str) -> list[Problem]:
    """Each text missing a declared language, or written in one the file does not declare."""
    line_of = line_finder(text)
    declared = template.languages
    problems: list[Problem] = []
    for loc, value in texts_of(template):
        written = languages_of(value)
        key = ".".join(str(part) for part in loc)
        missing = [code for code in declared if code not in written]
        if missing:
            problems.append(Problem(line_of(loc), key, f"no text in {', '.join(missing)}"))
        extra = sorted(written - set(declared))
        if extra:
            reason = f"{', '.join(extra)} is not among the file's languages ({', '.join(declared)})"
            problems.append(Problem(line_of((*loc, extra[0])), key, reason))
    return problems


def lint_text(text: str, *, file: str) -> PlaybookTemplate:
    """The template if it loads and is complete in its languages; else DataFileError with
    every problem found."""
    template = parse_template(text, file=file)
    problems = language_problems(template, text)
    if problems:
        raise DataFileError(file, problems)
    return template


def lint_file(path: Path) -> PlaybookTemplate:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(str(path), [Problem(0, "", "the file is not UTF-8 text")]) from exc
    return lint_text(text, file=str(path))
