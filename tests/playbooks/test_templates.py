"""Playbook templates are data: the shipped ones pass the lint (DECISIONS 20), broken ones are
refused with the file, line and key of the mistake, and a template is suggested from the
incident's type, site type and severity."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.core.datafile import DataFileError
from vigil.core.localised import text_in
from vigil.incidents.typology import IncidentType
from vigil.playbooks.templates import (
    LIBRARY,
    SCHEDULED_STAGES,
    Stage,
    load_template,
    parse_template,
    shipped_templates,
    suggest,
)

GOOD = """\
code: small
title: A small playbook
applies_to:
  incident_types: [threat]
tasks:
  - code: ready
    stage: prepare
    title: Be ready
    role: coordinator
    guidance: Check the list.
  - code: call
    stage: immediate
    title: Call the police
    role: site_security_lead
    due_minutes: 0
    guidance: Call 112.
  - code: count
    stage: stabilise
    title: Count everyone
    role: site_security_lead
    due_minutes: 30
    guidance: Use the roll-call.
  - code: review
    stage: recover
    title: Review
    role: coordinator
    due_minutes: 1440
    guidance: Write it down.
reopening_criteria:
  - code: clear
    text: Police all-clear
"""


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`, so the tests need no counting."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def problems_of(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(DataFileError) as caught:
        parse_template(text, file="org/small.yaml")
    assert str(caught.value).startswith("org/small.yaml:")
    return [(p.line, p.key, p.reason) for p in caught.value.data_problems]


def test_at_least_four_shipped_templates_for_the_named_situations() -> None:
    shipped = shipped_templates()
    assert {"armed_attack", "bomb_threat", "worship_damage", "hate_abuse"} <= set(shipped)
    assert len(list(LIBRARY.glob("*.yaml"))) == len(shipped)


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_template_lint(path: Path) -> None:
    """DECISIONS 20: tasks in every scheduled stage, reopening criteria; plus what a person on a
    phone needs: guidance on every task, offsets that never go backwards within a stage."""
    template = load_template(path)
    for stage in SCHEDULED_STAGES:
        tasks = template.stage_tasks(stage)
        assert tasks, f"{path.name}: no {stage} task"
        offsets = [t.due_minutes or 0 for t in tasks]
        assert all(o >= 0 for o in offsets)
    assert template.reopening_criteria
    assert all(text_in(t.guidance, code) for t in template.tasks for code in template.languages)
    assert all(t.due_minutes is None for t in template.stage_tasks(Stage.prepare))
    assert path.stem == template.code


def test_good_template_parses_in_written_order() -> None:
    template = parse_template(GOOD, file="small.yaml")
    assert [t.code for t in template.tasks] == ["ready", "call", "count", "review"]
    assert template.stage_tasks(Stage.immediate)[0].due_minutes == 0


def test_task_in_unknown_stage_names_line_and_key() -> None:
    text = GOOD.replace("    stage: stabilise\n", "    stage: aftermath\n")
    [(line, key, reason)] = problems_of(text)
    assert (line, key) == (line_of(text, "aftermath"), "tasks.2.stage")
    assert "immediate" in reason and "recover" in reason


def test_negative_due_offset_names_line_and_key() -> None:
    text = GOOD.replace("due_minutes: 30", "due_minutes: -5")
    [(line, key, reason)] = problems_of(text)
    assert (line, key) == (line_of(text, "-5"), "tasks.2.due_minutes")
    assert "greater than or equal to 0" in reason


def test_unknown_role_names_line_and_key() -> None:
    text = GOOD.replace(
        "role: site_security_lead\n    due_minutes: 0", "role: janitor\n    due_minutes: 0"
    )
    [(line, key, reason)] = problems_of(text)
    assert (line, key) == (line_of(text, "janitor"), "tasks.1.role")
    assert "police_liaison" in reason


def test_prepare_task_with_an_offset_is_refused() -> None:
    text = GOOD.replace(
        "    role: coordinator\n    guidance: Check",
        "    role: coordinator\n    due_minutes: 5\n    guidance: Check",
    )
    [(line, key, reason)] = problems_of(text)
    assert (line, key) == (line_of(text, "due_minutes: 5"), "tasks.0.due_minutes")
    assert "prepare" in reason


def test_scheduled_task_without_offset_is_refused() -> None:
    text = GOOD.replace("    due_minutes: 1440\n", "")
    [(_, key, reason)] = problems_of(text)
    assert key == "tasks.3"
    assert "due_minutes" in reason


def test_lint_missing_stage_and_missing_reopening_criteria() -> None:
    no_recover = GOOD.replace("    stage: recover\n", "    stage: stabilise\n")
    [(line, key, reason)] = problems_of(no_recover)
    assert key == "tasks" and line == line_of(GOOD, "- code: ready") and "recover" in reason
    no_criteria = GOOD.split("reopening_criteria:")[0] + "reopening_criteria: []\n"
    [(_, key, reason)] = problems_of(no_criteria)
    assert key == "reopening_criteria"


def test_suggestion_prefers_the_fitting_site_and_severity() -> None:
    templates = [t for t, _ in shipped_templates().values()]
    attack = suggest(
        templates,
        incident_type=IncidentType.extreme_violence.value,
        site_type="place_of_worship",
        severity="extreme",
    )
    assert attack[0].code == "armed_attack"
    assert "worship_damage" in [s.code for s in attack]
    arson = suggest(templates, incident_type="damage", site_type="place_of_worship")
    assert arson[0].code == "worship_damage"
    bomb = suggest(templates, incident_type="suspicious_item", site_type="stadium")
    assert [s.code for s in bomb] == ["bomb_threat"]
    assert suggest(templates, incident_type="other") == []
