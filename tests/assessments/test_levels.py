"""Levels worded per question and measures graded by level (issue 21): a graded question has a
next step from every level below the top, so "in place" still leads on to "practised", and a
file that words or grades a level its kind does not have is refused with the key."""

from __future__ import annotations

import pytest

from tests.assessments.small import SMALL
from tests.assessments.test_methodology import _error, _replace
from vigil.assessments.methodology import parse_methodology
from vigil.assessments.scoring import SiteFacts, ThreatInputs, score_assessment

GRADED = """        kind: maturity
        weight: 1
        levels:
          0: Nobody knows who does what.
          3: Roles are written and known.
          4: Roles are written, known and rehearsed.
        steps:
          0: [m.roles]
          1: [m.roles]
          2: [m.roles]
          3: [m.rehearse]
"""
REHEARSE = (
    "  - {id: m.rehearse, section: governance, cost: low, effort: low, effect: 1.0,"
    " text: Rehearse the roles.}\n"
)


def graded_text() -> str:
    text = _replace(
        "        kind: maturity\n        weight: 1\n        measures: [m.roles]\n", GRADED
    )
    return text + REHEARSE


def measures_for(answer: object) -> list[str]:
    methodology = parse_methodology(graded_text(), file="graded.yaml")
    answers = {"g1": "yes", "g2": answer, "p1": "yes", "p2": 4}
    threat = ThreatInputs(national_level=3, incidents=[])
    score = score_assessment(
        methodology, answers, site=SiteFacts("place_of_worship", 400, 120), threat=threat
    )
    return [m.measure_id for m in score.measures]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(0, ["m.roles"]), (2, ["m.roles"]), (3, ["m.rehearse"]), (4, []), ("na", [])],
)
def test_each_level_below_the_top_gets_its_next_step(answer: object, expected: list[str]) -> None:
    assert measures_for(answer) == expected


def test_the_question_words_its_own_levels() -> None:
    question = parse_methodology(graded_text(), file="graded.yaml").question("g2")
    assert question.level_text(3) == "Roles are written and known."
    assert question.level_text(1) is None  # the methodology's general label is used
    ungraded = parse_methodology(SMALL, file="small.yaml").question("g2")
    assert ungraded.measures_for(3) == ["m.roles"]  # the caller keeps the weak-answer rule


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ("          3: [m.rehearse]", "          4: [m.rehearse]", "steps.4", "no step from '4'"),
        ("          0: Nobody", "          partly: Nobody", "levels.partly", "not an answer level"),
        ("          3: [m.rehearse]", "          3: [m.nowhere]", "steps.3.0", "unknown measure"),
    ],
)
def test_wrong_levels_and_steps_name_the_key(old: str, new: str, key: str, reason: str) -> None:
    problem = _error(_replace(old, new, graded_text())).data_problems[0]
    assert problem.key == f"sections.0.questions.1.{key}"
    assert reason in problem.reason


def test_a_question_must_call_for_some_measure() -> None:
    text = _replace("        measures: [m.plan]\n", "")
    problem = _error(text).data_problems[0]
    assert problem.key == "sections.0.questions.0.measures"
    assert "calls for no measure" in problem.reason
