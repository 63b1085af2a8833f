"""Answers to a methodology's questions: checking them and turning them into values 0..1.

Answers arrive as form text, JSON or stored strings ("yes", "3", "12.5"); `validate_answer`
accepts each spelling of a right answer and returns one normal form, and refuses a wrong one
with an error naming the question, so nothing half-valid is saved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from vigil.assessments.explain import Explanation
from vigil.assessments.methodology import Methodology, Question
from vigil.assessments.parameters import NumberScale, Scoring, english
from vigil.core.errors import Invalid

Answer = str | int | float
NA = "na"
YES_NO = ("yes", "partly", "no", NA)
MAX_ANSWER_CHARS = 64


def validate_answer(
    question: Question, value: object, *, scale: NumberScale | None = None
) -> Answer:
    """The normal form of `value` as an answer to `question`, or Invalid naming the question.

    yes_no -> "yes" | "partly" | "no" | "na"; maturity -> 0..4 | "na"; number -> float | "na"
    (within the scale's min..max when `scale` is given).
    """
    field = question.id
    if isinstance(value, str):
        value = value.strip()
        if len(value) > MAX_ANSWER_CHARS:
            raise Invalid(field, "the answer is too long")
        if value.lower() == NA:
            return NA
    if question.kind == "yes_no":
        if isinstance(value, str) and value.lower() in YES_NO:
            return value.lower()
        raise Invalid(field, "the answer must be one of yes, partly, no or na")
    number = None if isinstance(value, bool) or value is None else _number(value)
    if question.kind == "maturity":
        if number is None or number != int(number) or not 0 <= number <= 4:
            raise Invalid(field, "the answer must be a maturity level 0, 1, 2, 3 or 4, or na")
        return int(number)
    if number is None:
        raise Invalid(field, "the answer must be a number, or na")
    if scale is not None and not scale.min <= number <= scale.max:
        raise Invalid(
            field,
            "the answer must be between %(low)s and %(high)s",
            low=f"{scale.min:g}",
            high=f"{scale.max:g}",
        )
    return number


def check_answer(methodology: Methodology, question_id: str, value: object) -> Answer:
    """`validate_answer` for a question named by id; an unknown id is Invalid too."""
    try:
        question = methodology.question(question_id)
    except KeyError:
        raise Invalid(question_id, "no such question in this methodology") from None
    scale = methodology.scoring.number_scales.get(question.scale or "")
    return validate_answer(question, value, scale=scale)


def validate_answers(methodology: Methodology, answers: Mapping[str, object]) -> dict[str, Answer]:
    """Every answer checked; all problems reported together, first one first.

    Each reason keeps its msgid and values, so a page translates every one."""
    normal: dict[str, Answer] = {}
    wrong: list[Invalid] = []
    for question_id, value in answers.items():
        try:
            normal[question_id] = check_answer(methodology, question_id, value)
        except Invalid as exc:
            wrong.append(exc)
    if wrong:
        (field, reason, values), *rest = [r for exc in wrong for r in exc.reasons]
        raise Invalid(field, reason, more=rest, **values)
    return normal


def answer_text(answer: Answer) -> str:
    """The stored spelling of a normal answer ("yes", "3", "12.5")."""
    if isinstance(answer, float):
        return f"{answer:g}" if answer == int(answer) else repr(answer)
    return str(answer)


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def answer_value(scoring: Scoring, question: Question, answer: Answer) -> Explanation:
    """The value 0..1 of a (normal, not "na") answer, with how it was looked up."""
    if question.kind == "yes_no":
        values = scoring.answer_values
        codes = ["yes", "partly", "no"]
        table = [values.yes, values.partly, values.no]
        return Explanation(
            table[codes.index(str(answer))],
            "lookup(answer, answers, values)",
            {"answer": answer, "answers": codes, "values": table},
        )
    if question.kind == "maturity":
        levels = sorted(scoring.maturity_values)
        table = [scoring.maturity_values[level] for level in levels]
        return Explanation(
            scoring.maturity_values[int(answer)],
            "lookup(answer, levels, values)",
            {"answer": int(answer), "levels": levels, "values": table},
        )
    scale = scoring.number_scales[question.scale or ""]
    maxima = [band.max for band in scale.bands]
    table = [band.value for band in scale.bands]
    number = float(answer)
    value = next(v for m, v in zip(maxima, table, strict=True) if m is None or number <= m)
    return Explanation(
        value,
        "upto(answer, band_maxima, band_values)",
        {
            "answer": answer,
            "unit": english(scale.unit),
            "band_maxima": maxima,
            "band_values": table,
        },
    )
