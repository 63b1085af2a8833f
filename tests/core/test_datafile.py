"""YAML data files: every problem names the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from vigil.core.datafile import DataFileError, load_model, parse_model


class Question(BaseModel):
    id: str
    weight: float = Field(gt=0)


class Section(BaseModel):
    name: str
    questions: list[Question]


def test_each_problem_names_line_and_key() -> None:
    text = (
        "name: x\nquestions:\n  - id: a\n    weight: 1\n  - id: b\n    weight: -2\n  - weight: 3\n"
    )
    with pytest.raises(DataFileError) as caught:
        parse_model(text, Section, file="m.yaml")
    problems = caught.value.data_problems
    assert [(p.line, p.key) for p in problems] == [(6, "questions.1.weight"), (7, "questions.2.id")]
    assert str(caught.value).startswith("m.yaml:6: questions.1.weight:")
    assert caught.value.status == 422


def test_broken_yaml_names_line() -> None:
    with pytest.raises(DataFileError) as caught:
        parse_model("name: x\nquestions: [\n", Section, file="bad.yaml")
    assert caught.value.data_problems[0].line >= 2
    assert "not valid YAML" in str(caught.value)


def test_not_a_mapping_and_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="mapping"):
        parse_model("- a\n- b\n", Section, file="list.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: Zürich\n".encode("latin-1"))
    with pytest.raises(DataFileError, match="not UTF-8"):
        load_model(latin, Section)


def test_valid_file_loads(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: s\nquestions:\n  - id: q\n    weight: 2\n", encoding="utf-8")
    assert load_model(good, Section).questions[0].weight == 2
