"""Methodologies in several languages (DECISIONS 32): the shipped files carry English, Czech and
German for every text, the lint (`vigil assessments methodology lint`) names each text a
declared language is missing by file, line and key, and plain strings stay valid English."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.assessments.small import SMALL
from vigil.assessments.lint import language_problems, texts_of
from vigil.assessments.methodology import SHIPPED_DIR, load_methodology, parse_methodology
from vigil.cli import app as cli_app
from vigil.core.datafile import DataFileError
from vigil.core.localised import languages_of, pick

SHIPPED = sorted(SHIPPED_DIR.glob("*.yaml"))


def lint(*paths: Path) -> Result:
    return CliRunner().invoke(cli_app, ["assessments", "methodology", "lint", *map(str, paths)])


def test_the_suite_lints_the_shipped_files_and_they_are_complete() -> None:
    result = lint(*SHIPPED)
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == len(SHIPPED) == 2
    for path in SHIPPED:
        m = load_methodology(path)
        assert m.languages == ["en", "cs", "de"]
        texts = list(texts_of(m))
        assert len(texts) > 150
        for loc, value in texts:
            assert languages_of(value) == {"en", "cs", "de"}, loc
            # A translation is not the English copied over (units like "km" aside).
            assert value["cs"] != value["en"] or len(value["en"]) < 4, loc  # type: ignore[index]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_czech_is_written_with_its_diacritics_and_german_formally(path: Path) -> None:
    m = load_methodology(path)
    czech = " ".join(pick(v, "cs").text for _, v in texts_of(m))
    german = " ".join(pick(v, "de").text for _, v in texts_of(m))
    assert set("ěščřžýáíéůú") <= set(czech)
    assert " Sie " in german and " du " not in german and " dein" not in german


def _without_czech_of_first_question(path: Path) -> str:
    """The shipped file with the Czech of its first question's text removed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("- id: gov.01"))
    cs = next(i for i in range(at, len(lines)) if lines[i].strip().startswith("cs:"))
    end = cs + 1
    while lines[end].startswith(" " * (len(lines[cs]) - len(lines[cs].lstrip()) + 2)):
        end += 1  # the folded continuation lines of the Czech text
    return "\n".join(lines[:cs] + lines[end:])


def test_lint_names_a_missing_czech_text_by_file_line_and_key(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(_without_czech_of_first_question(SHIPPED[-1]), encoding="utf-8")
    # It still loads: a missing language is not an error of the data, only of its translation.
    parse_methodology(broken.read_text(encoding="utf-8"), file="broken.yaml")
    result = lint(SHIPPED[0], broken)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    line = 1 + next(
        i
        for i, text in enumerate(broken.read_text(encoding="utf-8").split("\n"))
        if text.strip().startswith("- id: gov.01")
    )
    assert f"{broken}:{line + 2}: sections.0.questions.0.text: the 'cs' text is missing" in lines
    assert len([x for x in lines if x.startswith(str(broken))]) == 1
    assert "1 of 2 file(s) have problems" in lines


def test_lint_reports_plain_english_and_undeclared_languages() -> None:
    text = SMALL.replace("version: 1\n", "version: 1\nlanguages: [en, cs]\n", 1)
    text = text.replace(
        "title: Small test methodology",
        "title: {en: Small test methodology, cs: Malá zkušební metodika, pl: Mała metodyka}",
    )
    problems = language_problems(text, file="small.yaml")
    by_key = {(p.key, p.reason) for p in problems}
    assert ("title", "'pl' is not one of the file's languages (en, cs)") in by_key
    assert ("scoring.number_scales.police_minutes.unit", "the 'cs' text is missing") in by_key
    assert ("title", "the 'cs' text is missing") not in by_key
    assert all(p.line > 0 for p in problems)


def test_plain_strings_stay_valid_english_and_english_is_required() -> None:
    plain = parse_methodology(SMALL, file="small.yaml")
    assert plain.languages == ["en"] and language_problems(SMALL, file="small.yaml") == []
    assert pick(plain.title, "cs").fallback and pick(plain.title, "en").text == plain.title
    no_english = SMALL.replace("title: Small test methodology", "title: {cs: Malá metodika}")
    with pytest.raises(DataFileError, match=r"small.yaml:3: title: .*English"):
        parse_methodology(no_english, file="small.yaml")
    without = SMALL.replace("version: 1\n", "version: 1\nlanguages: [cs]\n", 1)
    with pytest.raises(DataFileError, match="languages.*English"):
        parse_methodology(without, file="small.yaml")
