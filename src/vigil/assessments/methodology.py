"""A methodology is data: sections, questions, measures and scoring parameters in a YAML file.

Shipped methodologies live next to this module; an organisation copies one (`dump_methodology`),
edits the YAML and publishes it, and it is validated exactly like a shipped file. Every problem,
cross-references included (a question naming an unknown measure, a duplicate id), is reported
with the file, line and key, because the people who edit these files do not read Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from vigil.assessments.parameters import (
    Code,
    CostClass,
    OptionalText,
    Scoring,
    ShortText,
    SiteType,
    Strict,
    Text,
)
from vigil.assessments.procedure_cards import CardRef
from vigil.assessments.scenario_data import Scenario, scenario_problems
from vigil.core.datafile import load_model, parse_model
from vigil.sites.kinds import PremisesDuty

SHIPPED_DIR = Path(__file__).parent / "methodologies"

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=64)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(_[A-Z]{2})?$")]
AnswerKind = Literal["yes_no", "maturity", "number"]
# An answer level a question may word and give a next step from (issue 21): yes_no answers
# and maturity levels. Number questions are worded by their scale's bands.
LevelKey = Literal["yes", "partly", "no", 0, 1, 2, 3, 4]
LEVELS: dict[str, tuple[LevelKey, ...]] = {
    "yes_no": ("no", "partly", "yes"),
    "maturity": (0, 1, 2, 3, 4),
    "number": (),
}

# The twelve sections every methodology covers (DOMAIN.md, "Vulnerability assessment").
DOMAIN_SECTIONS = (
    "governance",
    "perimeter",
    "entrances",
    "envelope",
    "detection",
    "people",
    "procedures",
    "communications",
    "cooperation",
    "events",
    "information",
    "recovery",
)
# Duties a question may say it asks about: those of the premises rule sets (`sites.premises`),
# and two that methodology versions before the rule sets named and no tier carries any more
# (their answers still read; a yearly risk assessment and a security plan are good practice,
# not duties of the law).
LEGACY_DUTIES = ("risk_assessment", "security_plan")
DUTY_CODES = (*(d.value for d in PremisesDuty), *LEGACY_DUTIES)


def _known_duty(value: str) -> str:
    if value not in DUTY_CODES:
        raise ValueError(f"unknown duty '{value}' (one of {', '.join(DUTY_CODES)})")
    return value


DutyCode = Annotated[str, AfterValidator(_known_duty)]
DEFAULT_MATURITY_LABELS: dict[int, str | dict[str, str]] = {
    0: {"en": "Nothing in place", "cs": "Nic není zavedeno", "de": "Nichts vorhanden"},
    1: {
        "en": "Informal, depends on individuals",
        "cs": "Neformálně, závisí na jednotlivcích",
        "de": "Informell, hängt von einzelnen Personen ab",
    },
    2: {"en": "Written down in part", "cs": "Částečně písemně", "de": "Teilweise schriftlich"},
    3: {
        "en": "In place and known to the people concerned",
        "cs": "Zavedeno a dotčené osoby to znají",
        "de": "Vorhanden und den Beteiligten bekannt",
    },
    4: {
        "en": "In place, practised and reviewed",
        "cs": "Zavedeno, nacvičeno a pravidelně přezkoumáváno",
        "de": "Vorhanden, geübt und regelmäßig überprüft",
    },
}


class Measure(Strict):
    id: Id
    text: Text
    section: Code
    cost: CostClass
    effort: CostClass
    # Share of the weakness on the triggering questions the measure removes (0 < effect <= 1).
    effect: Annotated[float, Field(gt=0, le=1)]


class Question(Strict):
    id: Id
    text: Text
    help: OptionalText = ""
    kind: AnswerKind
    weight: Annotated[float, Field(gt=0, le=1000)]
    scale: Code | None = None
    # What a weak answer calls for, whatever its level (methodologies before version 3, and
    # number questions); `steps` replaces it level by level.
    measures: list[Id] = []
    # What each answer means for this question ("partly" here; maturity 0..4 for this topic).
    levels: dict[LevelKey, Text] = {}
    # The next step from each level below the top, up to "practised": measure ids per level.
    steps: dict[LevelKey, list[Id]] = {}
    applies_to: list[SiteType] | None = None
    duty: DutyCode | None = None
    # Procedure cards (assessments/guidance) for the procedure this question asks about.
    guidance: list[CardRef] = Field(default=[], max_length=5)

    def measures_for(self, answer: object) -> list[str]:
        """The measures an answer at this level calls for: its step when the question grades
        them, else every measure of the question (the caller decides the answer is weak)."""
        if self.steps:
            return self.steps.get(answer, [])  # type: ignore[call-overload]
        return self.measures

    def level_text(self, answer: object) -> str | dict[str, str] | None:
        """This question's own wording of an answer level, if it gives one."""
        return self.levels.get(answer)  # type: ignore[call-overload]


class Section(Strict):
    code: Code
    title: Text
    description: OptionalText = ""
    weight: Annotated[float, Field(gt=0, le=1000)]
    applies_to: list[SiteType] | None = None
    questions: list[Question] = Field(min_length=1)


class Methodology(Strict):
    code: Code
    version: Annotated[int, Field(ge=1)]
    # The languages every text is written in (the lint reports each one missing); English first.
    languages: list[Language] = Field(default=["en"], min_length=1)
    title: ShortText
    description: OptionalText = ""
    applies_to: list[SiteType] = Field(min_length=1)
    maturity_labels: dict[Annotated[int, Field(ge=0, le=4)], Text] = DEFAULT_MATURITY_LABELS
    scoring: Scoring
    # Attack scenarios scored on top of the questionnaire (issue 21; none before version 3).
    scenarios: list[Scenario] = []
    sections: list[Section] = Field(min_length=1)
    measures: list[Measure] = Field(min_length=1)
    # Lookups built once per parsed methodology (scoring keeps its compiled form here).
    _cache: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> Methodology:
        problems = _reference_problems(self)
        if problems:
            raise ValidationError.from_exception_data("Methodology", problems)
        return self

    # -- lookups ---------------------------------------------------------------------------

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, question_id: str) -> Question:
        return self._lookups()["questions"][question_id]

    def section_of(self, question_id: str) -> Section:
        return self._lookups()["section_of"][question_id]

    def measure(self, measure_id: str) -> Measure:
        return self._lookups()["measures"][measure_id]

    def applicable_sections(self, site_type: str) -> list[Section]:
        """Sections (with only their applicable questions) a site of this type answers."""
        found = []
        for section in self.sections:
            if not applies(section.applies_to, site_type):
                continue
            questions = [q for q in section.questions if applies(q.applies_to, site_type)]
            if questions:
                found.append(section.model_copy(update={"questions": questions}))
        return found

    def _lookups(self) -> dict[str, Any]:
        if "lookups" not in self._cache:
            self._cache["lookups"] = {
                "questions": {q.id: q for q in self.questions()},
                "section_of": {q.id: s for s in self.sections for q in s.questions},
                "measures": {m.id: m for m in self.measures},
            }
        return self._cache["lookups"]


def applies(applies_to: Sequence[str] | None, site_type: str) -> bool:
    """No list means every site type the methodology is used for."""
    return applies_to is None or site_type in applies_to


def _problem(loc: tuple[str | int, ...], message: str, value: object) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError("reference", message), loc=loc, input=value)


def _reference_problems(m: Methodology) -> list[InitErrorDetails]:
    """Cross-references pydantic cannot check field by field; each names the offending key."""
    problems: list[InitErrorDetails] = []
    if "en" not in m.languages:
        problems.append(_problem(("languages",), "the languages must include English ('en')", None))
    seen_sections: set[str] = set()
    seen_questions: set[str] = set()
    measure_ids: set[str] = set()
    for i, measure in enumerate(m.measures):
        if measure.id in measure_ids:
            problems.append(_problem(("measures", i, "id"), "duplicate measure id", measure.id))
        measure_ids.add(measure.id)
    for i, section in enumerate(m.sections):
        if section.code in seen_sections:
            problems.append(_problem(("sections", i, "code"), "duplicate section", section.code))
        seen_sections.add(section.code)
        for j, q in enumerate(section.questions):
            at: tuple[str | int, ...] = ("sections", i, "questions", j)
            if q.id in seen_questions:
                problems.append(_problem((*at, "id"), "duplicate question id", q.id))
            seen_questions.add(q.id)
            for k, ref in enumerate(q.measures):
                if ref not in measure_ids:
                    problems.append(_problem((*at, "measures", k), f"unknown measure '{ref}'", ref))
            problems.extend(_scale_problems(m, q, at))
            problems.extend(_level_problems(q, at, measure_ids))
    for loc, message, value in scenario_problems(
        m.scenarios,
        question_ids=seen_questions,
        measure_ids=measure_ids,
        weighted=m.scoring.scenarios is not None,
    ):
        problems.append(_problem(loc, message, value))
    for i, measure in enumerate(m.measures):
        if measure.section not in seen_sections:
            problems.append(
                _problem(
                    ("measures", i, "section"),
                    f"unknown section '{measure.section}'",
                    measure.section,
                )
            )
    return problems


def _scale_problems(
    m: Methodology, q: Question, at: tuple[str | int, ...]
) -> list[InitErrorDetails]:
    if q.kind == "number":
        if q.scale is None:
            return [_problem((*at, "scale"), "a number question needs a `scale`", None)]
        if q.scale not in m.scoring.number_scales:
            message = f"unknown scale '{q.scale}' (not in scoring.number_scales)"
            return [_problem((*at, "scale"), message, q.scale)]
    elif q.scale is not None:
        return [_problem((*at, "scale"), "only number questions have a `scale`", q.scale)]
    return []


def _level_problems(
    q: Question, at: tuple[str | int, ...], measure_ids: set[str]
) -> list[InitErrorDetails]:
    """Levels and steps name this kind's answer levels (no step from the top one), steps name
    known measures, and a question calls for measures one way or the other."""
    problems = []
    levels = LEVELS[q.kind]
    allowed = (
        ", ".join(str(level) for level in levels) or "none: a number question's scale words it"
    )
    for key in q.levels:
        if key not in levels:
            message = f"'{key}' is not an answer level of a {q.kind} question ({allowed})"
            problems.append(_problem((*at, "levels", key), message, key))
    for key, refs in q.steps.items():
        if key not in levels[:-1]:
            message = (
                f"no step from '{key}' in a {q.kind} question (steps from: {allowed}, not the top)"
            )
            problems.append(_problem((*at, "steps", key), message, key))
        for k, ref in enumerate(refs):
            if ref not in measure_ids:
                message = f"unknown measure '{ref}'"
                problems.append(_problem((*at, "steps", key, k), message, ref))
    if not q.measures and not q.steps:
        problems.append(_problem((*at, "measures"), "the question calls for no measure", None))
    return problems


def parse_methodology(text: str, *, file: str) -> Methodology:
    """Validate methodology YAML (a shipped file or an organisation's copy); DataFileError."""
    return parse_model(text, Methodology, file=file)


def load_methodology(path: Path) -> Methodology:
    return load_model(path, Methodology)


@cache
def shipped_methodologies() -> dict[str, Methodology]:
    """The methodologies shipped with Vigil, by code (parsed once per process)."""
    found = {}
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        methodology = load_methodology(path)
        found[methodology.code] = methodology
    return found


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_methodology(m: Methodology) -> str:
    """YAML text of a methodology, so an organisation can start its own copy from it."""
    data = m.model_dump(by_alias=True, exclude_defaults=True)
    data = {"code": m.code, "version": m.version, **data}
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
