"""The `scenarios:` block of a methodology file: the attack types a site is scored against.

Issue 21: one index averaged over every weakness let strong vehicle barriers hide a weak
lockdown, so each attack scenario (vehicle ramming, edged weapon, ...) names the questions and
measures that bear on it, the incident types that count as its precursors, how readily its means
are had, and how hard it would hit lives, the building, money and the community's functioning.
The weights that turn these into probability and impact are in `scoring.scenarios`
(parameters.py); the scoring is in scenarios.py. Cross-references are checked here and reported
by the methodology with file, line and key.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Annotated

from pydantic import AfterValidator, Field

from vigil.assessments.parameters import Code, Level, ShortText, Strict
from vigil.incidents.typology import IncidentType

INCIDENT_TYPES = tuple(t.value for t in IncidentType)


def _known_incident_type(value: str) -> str:
    if value not in INCIDENT_TYPES:
        raise ValueError(f"unknown incident type '{value}' (one of {', '.join(INCIDENT_TYPES)})")
    return value


IncidentTypeCode = Annotated[str, AfterValidator(_known_incident_type)]
Ref = Annotated[str, Field(min_length=1, max_length=64)]
Loc = tuple[str | int, ...]


class ScenarioImpact(Strict):
    """How hard the scenario hits each part of the impact, 1..5; `lives` is the most it can
    reach, the site's own people level (capacity and attendance) limiting it."""

    lives: Level
    building: Level
    money: Level
    community: Level


class Scenario(Strict):
    id: Code
    title: ShortText
    # How readily an attacker has the means (1 hard to obtain .. 5 at hand for anyone).
    means: Level
    impact: ScenarioImpact
    # Incidents of these types near the site count as its precursors or matching incidents.
    incident_types: list[IncidentTypeCode] = []
    questions: list[Ref] = Field(min_length=1)
    measures: list[Ref] = []


def scenario_problems(
    scenarios: Sequence[Scenario],
    *,
    question_ids: Collection[str],
    measure_ids: Collection[str],
    weighted: bool,
) -> list[tuple[Loc, str, object]]:
    """(location, message, value) of each wrong reference of the scenarios."""
    problems: list[tuple[Loc, str, object]] = []
    if scenarios and not weighted:
        message = "scenarios need their weights in `scoring.scenarios`"
        problems.append((("scenarios",), message, None))
    seen: set[str] = set()
    for i, scenario in enumerate(scenarios):
        if scenario.id in seen:
            problems.append((("scenarios", i, "id"), "duplicate scenario id", scenario.id))
        seen.add(scenario.id)
        for key, known, what in (
            ("questions", question_ids, "question"),
            ("measures", measure_ids, "measure"),
        ):
            refs = getattr(scenario, key)
            for k, ref in enumerate(refs):
                if ref not in known:
                    problems.append((("scenarios", i, key, k), f"unknown {what} '{ref}'", ref))
                elif ref in refs[:k]:
                    problems.append((("scenarios", i, key, k), f"{what} '{ref}' twice", ref))
    return problems
