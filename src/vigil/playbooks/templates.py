"""Playbook templates: versioned YAML files that say, stage by stage, who does what and by when
after an attack on a soft target, and which criteria mean "back to routine" (DOMAIN.md).

They are data written by security people, not code: `parse_template` validates them with errors
naming file, line and key (vigil.core.datafile). Shipped templates live in `library/`;
organisations publish adapted copies (vigil.playbooks.versions).

Every text a person reads is `Localised` (DECISIONS 32): a plain string is English, a mapping
gives it per language. The file declares the languages it is written in (`languages`), and the
lint (vigil.playbooks.lint) reports each text that lacks one of them; a reader whose language
is missing gets the English, marked. Codes never change with the language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from vigil.assessments.procedure_cards import CardRef
from vigil.core.datafile import load_model, parse_model
from vigil.core.localised import DATA_FALLBACK, Localised
from vigil.incidents.typology import IncidentType, Severity
from vigil.sites.kinds import SiteType

LIBRARY = Path(__file__).resolve().parent / "library"


class Stage(enum.StrEnum):
    """DECISIONS 2: `prepare` is standing readiness; the other three are scheduled on activation."""

    prepare = "prepare"
    immediate = "immediate"
    stabilise = "stabilise"
    recover = "recover"


SCHEDULED_STAGES = (Stage.immediate, Stage.stabilise, Stage.recover)


class TaskRole(enum.StrEnum):
    site_security_lead = "site_security_lead"
    coordinator = "coordinator"
    police_liaison = "police_liaison"
    communications = "communications"
    victim_support = "victim_support"


Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{1,62}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")]


def _within(limit: int, *, required: bool) -> AfterValidator:
    """Each language's text stripped and at most `limit` characters; a line needs words."""

    def check(value: str | dict[str, str]) -> str | dict[str, str]:
        texts = {DATA_FALLBACK: value} if isinstance(value, str) else value
        for code, text in texts.items():
            if len(text.strip()) > limit:
                raise ValueError(f"the '{code}' text is longer than {limit} characters")
            if required and not text.strip():
                raise ValueError("the text is empty")
        if isinstance(value, str):
            return value.strip()
        return {code: text.strip() for code, text in value.items()}

    return AfterValidator(check)


Line = Annotated[Localised, _within(300, required=True)]
Prose = Annotated[Localised, _within(4000, required=False)]
Guidance = Annotated[Localised, _within(4000, required=True)]
MAX_DUE_MINUTES = 60 * 24 * 90  # the recover stage may run for weeks, not for years


class Applicability(BaseModel):
    """When the template fits; an empty list means any value."""

    model_config = ConfigDict(extra="forbid")

    incident_types: list[IncidentType] = Field(min_length=1)
    site_types: list[SiteType] = Field(default_factory=list)
    severities: list[Severity] = Field(default_factory=list)


class TaskTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    stage: Stage
    title: Line
    role: TaskRole
    due_minutes: int | None = Field(
        None, ge=0, le=MAX_DUE_MINUTES, description="Minutes after activation; not for prepare."
    )
    checklist: list[Line] = Field(default_factory=list, max_length=30)
    guidance: Guidance
    # Procedure cards (vigil.assessments.procedure_cards) the room links from this task.
    cards: list[CardRef] = Field(default_factory=list, max_length=5)

    @field_validator("due_minutes")
    @classmethod
    def _due_fits_stage(cls, value: int | None, info: ValidationInfo) -> int | None:
        stage = info.data.get("stage")
        if stage == Stage.prepare and value is not None:
            raise ValueError("prepare tasks are standing readiness tasks and take no due offset")
        if stage in SCHEDULED_STAGES and value is None:
            raise ValueError(f"a {stage} task needs due_minutes (minutes after activation, >= 0)")
        return value

    @model_validator(mode="after")
    def _scheduled_has_due(self) -> TaskTemplate:
        # due_minutes left out entirely never reaches its field validator.
        if self.stage in SCHEDULED_STAGES and self.due_minutes is None:
            raise ValueError(f"a {self.stage} task needs due_minutes (minutes after activation)")
        return self


class ReopeningCriterion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    text: Line
    guidance: Prose = ""


class PlaybookTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    version: int = Field(1, ge=1)
    languages: list[Language] = Field(
        default_factory=lambda: [DATA_FALLBACK],
        max_length=20,
        description="The languages every text is written in; English is one of them.",
    )
    title: Line
    summary: Prose = ""
    applies_to: Applicability
    tasks: list[TaskTemplate] = Field(min_length=1, max_length=200)
    reopening_criteria: list[ReopeningCriterion] = Field(min_length=1, max_length=50)

    @field_validator("languages")
    @classmethod
    def _english_declared(cls, languages: list[str]) -> list[str]:
        if DATA_FALLBACK not in languages:
            raise ValueError("English ('en') must be one of the languages: it is the fallback")
        if len(set(languages)) != len(languages):
            raise ValueError("a language is listed twice")
        return languages

    @field_validator("tasks")
    @classmethod
    def _tasks_cover_stages(cls, tasks: list[TaskTemplate]) -> list[TaskTemplate]:
        seen: set[str] = set()
        for task in tasks:
            if task.code in seen:
                raise ValueError(f"two tasks have the code '{task.code}'")
            seen.add(task.code)
        missing = [s.value for s in SCHEDULED_STAGES if not any(t.stage == s for t in tasks)]
        if missing:
            raise ValueError(f"no task in the stage(s) {', '.join(missing)}")
        return tasks

    @field_validator("reopening_criteria")
    @classmethod
    def _unique_criteria(cls, items: list[ReopeningCriterion]) -> list[ReopeningCriterion]:
        codes = [c.code for c in items]
        if len(set(codes)) != len(codes):
            raise ValueError("two reopening criteria have the same code")
        return items

    def stage_tasks(self, stage: Stage) -> list[TaskTemplate]:
        """The stage's tasks in the order they are written."""
        return [t for t in self.tasks if t.stage == stage]


def parse_template(text: str, *, file: str) -> PlaybookTemplate:
    return parse_model(text, PlaybookTemplate, file=file)


def load_template(path: Path) -> PlaybookTemplate:
    return load_model(path, PlaybookTemplate)


@lru_cache(maxsize=1)
def shipped_templates() -> dict[str, tuple[PlaybookTemplate, str]]:
    """Code -> (template, its YAML text) of every file in the library, read once."""
    found: dict[str, tuple[PlaybookTemplate, str]] = {}
    for path in sorted(LIBRARY.glob("*.yaml")):
        template = load_template(path)
        found[template.code] = (template, path.read_text(encoding="utf-8"))
    return found


def by_language(value: str | dict[str, str]) -> dict[str, str]:
    """A translatable text as language -> text (a plain string is English)."""
    return {DATA_FALLBACK: value} if isinstance(value, str) else dict(value)


@dataclass(frozen=True)
class Suggestion:
    code: str
    title: str | dict[str, str]
    score: int
    reasons: tuple[str, ...]


def suggest(
    templates: list[PlaybookTemplate],
    *,
    incident_type: str,
    site_type: str | None = None,
    severity: str | None = None,
) -> list[Suggestion]:
    """Templates for the incident's type, best fit first (site type, then severity, break ties).

    A template that does not list the incident type is never suggested: a wrong playbook in the
    first minutes costs more than none.
    """
    ranked: list[Suggestion] = []
    for t in templates:
        applies = t.applies_to
        if incident_type not in {i.value for i in applies.incident_types}:
            continue
        score, reasons = 4, ["incident type"]
        if site_type and site_type in {s.value for s in applies.site_types}:
            score, reasons = score + 2, [*reasons, "site type"]
        elif site_type and applies.site_types:
            score -= 1
        if severity and severity in {s.value for s in applies.severities}:
            score, reasons = score + 1, [*reasons, "severity"]
        ranked.append(Suggestion(t.code, t.title, score, tuple(reasons)))
    return sorted(ranked, key=lambda s: (-s.score, s.code))
