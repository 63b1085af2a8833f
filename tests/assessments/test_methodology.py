"""Methodology files: the shipped ones pass the lint of DECISIONS 20, and every kind of mistake in
an edited copy is reported with the file, the line and the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.assessments.small import SMALL, line_of, small
from vigil.assessments.methodology import (
    DOMAIN_SECTIONS,
    SHIPPED_DIR,
    dump_methodology,
    load_methodology,
    parse_methodology,
    shipped_methodologies,
)
from vigil.assessments.parameters import SITE_TYPES
from vigil.core.datafile import DataFileError
from vigil.core.localised import text_in
from vigil.sites.kinds import PremisesDuty

SHIPPED = sorted(SHIPPED_DIR.glob("*.yaml"))
GROUPS = {
    "places_of_worship": {
        "place_of_worship",
        "community_centre",
        "school",
        "kindergarten",
        "museum",
    },
    "crowded_venues": {
        "shopping_centre",
        "stadium",
        "concert_hall",
        "theatre",
        "restaurant",
        "transport_hub",
        "public_space",
    },
}


def test_both_methodologies_ship() -> None:
    assert {p.stem for p in SHIPPED} == set(GROUPS)
    assert set(shipped_methodologies()) == set(GROUPS)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_methodology_lint(path: Path) -> None:
    m = load_methodology(path)
    assert m.code == path.stem
    assert set(m.applies_to) == GROUPS[m.code]
    # Every section of DOMAIN.md is covered, and nothing else: the sections are the domain's.
    assert [s.code for s in m.sections] == list(DOMAIN_SECTIONS)
    assert len(m.sections) >= 8
    assert len(m.questions()) >= 60
    measure_ids = {x.id for x in m.measures}
    used = set()
    for q in m.questions():
        # A graded question calls for its steps' measures, an ungraded one for `measures`.
        called = set(q.measures) | {ref for refs in q.steps.values() for ref in refs}
        assert called, f"{q.id} has no measure"
        assert called <= measure_ids
        used |= called
        for language in m.languages:
            asked = text_in(q.text, language)
            assert asked.endswith("?"), f"{q.id} is not asked as a question in {language}"
    assert used == measure_ids, f"measures no question triggers: {measure_ids - used}"
    for site_type in m.applies_to:
        sections = m.applicable_sections(site_type)
        # Every site type the methodology is for answers every section, and enough questions.
        assert [s.code for s in sections] == list(DOMAIN_SECTIONS), site_type
        asked = [q for s in sections for q in s.questions]
        assert len(asked) >= 60, site_type
        # Each duty of the premises rule sets is asked of every site type, so the portfolio
        # can flag it.
        assert {q.duty for q in asked if q.duty} == {d.value for d in PremisesDuty}, site_type
    kinds = {q.kind for q in m.questions()}
    assert kinds == {"yes_no", "maturity", "number"}


# The sections DOMAIN.md lists under "Vulnerability assessment", in its order and words.
DOMAIN_TITLES = [
    "Governance and security plan",
    "Perimeter and approach",
    "Entrances and access control",
    "Building envelope and safe rooms",
    "Detection and surveillance",
    "People",
    "Procedures",
    "Communications and alerting",
    "Cooperation with police and the network",
    "Events and crowds",
    "Information and cyber security",
    "Recovery readiness",
]


@pytest.mark.parametrize("code", sorted(GROUPS))
def test_sections_are_those_of_domain_md(code: str) -> None:
    m = shipped_methodologies()[code]
    assert [text_in(s.title) for s in m.sections] == DOMAIN_TITLES
    assert len(DOMAIN_SECTIONS) == len(DOMAIN_TITLES)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_dump_round_trips_so_an_org_can_copy(path: Path) -> None:
    m = load_methodology(path)
    text = dump_methodology(m)
    assert parse_methodology(text, file="copy.yaml") == m
    edited = text.replace(f"code: {m.code}", "code: our_copy", 1)
    assert parse_methodology(edited, file="copy.yaml").code == "our_copy"


def test_site_types_cover_the_domain() -> None:
    covered = set().union(*GROUPS.values())
    assert covered | {"other"} == set(SITE_TYPES)


def _error(text: str) -> DataFileError:
    with pytest.raises(DataFileError) as caught:
        parse_methodology(text, file="org.yaml")
    return caught.value


def _replace(old: str, new: str, text: str = SMALL) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_missing_weight_names_file_line_key() -> None:
    text = _replace("        kind: maturity\n        weight: 1\n", "        kind: maturity\n")
    error = _error(text)
    problem = error.data_problems[0]
    assert problem.key == "sections.0.questions.1.weight"
    assert problem.line == line_of(text, "id: g2")
    assert "Field required" in problem.reason
    assert str(error).startswith(f"org.yaml:{problem.line}: sections.0.questions.1.weight:")
    assert error.status == 422


def test_question_referencing_unknown_measure() -> None:
    text = _replace("measures: [m.police]", "measures: [m.police, m.nowhere]")
    problem = _error(text).data_problems[0]
    assert problem.key == "sections.1.questions.1.measures.1"
    assert problem.line == line_of(text, "m.nowhere")
    assert "unknown measure 'm.nowhere'" in problem.reason


def test_measure_in_unknown_section() -> None:
    text = _replace("{id: m.roles, section: governance", "{id: m.roles, section: finance")
    problem = _error(text).data_problems[0]
    assert (problem.key, problem.line) == ("measures.1.section", line_of(text, "id: m.roles"))
    assert "unknown section 'finance'" in problem.reason


def test_unknown_site_type() -> None:
    text = _replace("applies_to: [school]", "applies_to: [school, casino]")
    problem = _error(text).data_problems[0]
    assert problem.key == "sections.1.questions.2.applies_to.1"
    assert problem.line == line_of(text, "casino")


def test_duplicate_ids() -> None:
    text = _replace("      - id: g2\n", "      - id: g1\n")
    problem = _error(text).data_problems[0]
    assert problem.key == "sections.0.questions.1.id"
    assert problem.line == line_of(text, "- id: g1", occurrence=2)
    assert "duplicate question id" in problem.reason
    text = _replace("{id: m.police,", "{id: m.plan,")
    problem = _error(text).data_problems[0]
    assert (problem.key, problem.line) == ("measures.3.id", line_of(text, "text: Agree."))
    text = _replace("  - code: perimeter\n", "  - code: governance\n")
    assert _error(text).data_problems[0].key == "sections.1.code"


def test_negative_and_zero_weights() -> None:
    text = _replace(
        "    title: Perimeter\n    weight: 1\n", "    title: Perimeter\n    weight: -1\n"
    )
    problem = _error(text).data_problems[0]
    assert (problem.key, problem.line) == ("sections.1.weight", line_of(text, "weight: -1"))
    assert "greater than 0" in problem.reason
    text = _replace("cost_weights: {low: 1,", "cost_weights: {low: 0,")
    assert _error(text).data_problems[0].key == "scoring.cost_weights.low"


def test_maturity_level_out_of_range() -> None:
    text = _replace("4: 1.0}", "4: 1.0, 7: 1.0}")
    problem = _error(text).data_problems[0]
    assert problem.key.startswith("scoring.maturity_values.7")
    assert problem.line == line_of(text, "maturity_values")
    text = _replace("{0: 0.0, 1: 0.25,", "{0: 0.0, 1: 1.25,")
    assert _error(text).data_problems[0].key == "scoring.maturity_values.1"
    text = _replace(", 4: 1.0}", "}")
    assert "each level 0, 1, 2, 3 and 4" in _error(text).data_problems[0].reason


def test_number_question_needs_a_known_scale() -> None:
    text = _replace("scale: police_minutes", "scale: ambulance_minutes")
    problem = _error(text).data_problems[0]
    assert problem.key == "sections.1.questions.1.scale"
    assert problem.line == line_of(text, "ambulance_minutes")
    text = _replace("        scale: police_minutes\n", "")
    assert "needs a `scale`" in _error(text).data_problems[0].reason


def test_misspelt_key_and_bad_kind() -> None:
    text = _replace("        kind: maturity\n", "        kind: maturity\n        wieght: 2\n")
    problem = _error(text).data_problems[0]
    assert problem.key == "sections.0.questions.1.wieght"
    assert problem.line == line_of(text, "wieght")
    text = _replace("kind: maturity", "kind: stars")
    assert _error(text).data_problems[0].key == "sections.0.questions.1.kind"


def test_scoring_parameters_are_checked() -> None:
    """Checks across fields of the scoring block still name the key (and so the line)."""
    cases = [
        (
            "    - {code: now, min_priority: 0.5}\n    - {code: 3_months, min_priority: 0.1}\n",
            "    - {code: 3_months, min_priority: 0.1}\n    - {code: now, min_priority: 0.5}\n",
            "scoring.timeframes",
            "{code: 3_months",
        ),
        ("national_weight: 0.5", "national_weight: 0.7", "scoring.threat.incident_weight", None),
        (
            "      - {up_to_km: 5, weight: 0.15}",
            "      - {up_to_km: 4, weight: 0.15}",
            "scoring.threat.distance_bands.3.up_to_km",
            "up_to_km: 4,",
        ),
        (
            "    - {up_to: 25, band: critical}",
            "    - {up_to: 24, band: critical}",
            "scoring.risk_bands",
            "{up_to: 4,",
        ),
        (
            "- {max: null, value: 0.0}",
            "- {max: 30, value: 0.0}",
            "scoring.number_scales.police_minutes.bands.2.max",
            "max: 30,",
        ),
        (
            "duty_timeframe: now",
            "duty_timeframe: now\n  capacity_tiers: {standard: 200, enhanced: 100}",
            "scoring.capacity_tiers.enhanced",
            "capacity_tiers:",
        ),
        (
            "duty: measures_document",
            "duty: yearly_review",
            "sections.0.questions.0.duty",
            "yearly_review",
        ),
    ]
    for old, new, key, fragment in cases:
        text = _replace(old, new)
        problem = _error(text).data_problems[0]
        assert problem.key == key, (new, problem)
        expected = line_of(text, fragment) if fragment else line_of(text, "incident_weight")
        assert problem.line == expected, (new, problem)


def test_all_problems_are_reported_in_file_order() -> None:
    text = _replace("measures: [m.roles]", "measures: [m.missing]")
    text = _replace("{id: m.police, section: perimeter", "{id: m.police, section: nowhere", text)
    problems = _error(text).data_problems
    assert [p.key for p in problems] == [
        "sections.0.questions.1.measures.0",
        "measures.3.section",
    ]
    assert all(re.fullmatch(r"\d+", str(p.line)) and p.line > 1 for p in problems)


def test_yaml_booleans_do_not_pass_for_answers() -> None:
    """Unquoted yes/no are booleans in YAML 1.1: the file must say "yes", and is told so."""
    text = _replace('{"yes": 1.0, "partly": 0.5, "no": 0.0}', "{yes: 1.0, partly: 0.5, no: 0.0}")
    keys = {p.key for p in _error(text).data_problems}
    assert "scoring.answer_values.yes" in keys


def test_small_parses_and_looks_up() -> None:
    m = small()
    assert m.question("p2").scale == "police_minutes"
    assert m.section_of("p3").code == "perimeter"
    assert m.measure("m.plan").cost == "low"
    assert [q.id for s in m.applicable_sections("place_of_worship") for q in s.questions] == [
        "g1",
        "g2",
        "p1",
        "p2",
    ]
    assert len(m.applicable_sections("school")[1].questions) == 3


def test_a_copy_made_before_the_premises_rule_sets_still_reads() -> None:
    """Versions stored before the rule sets carry capacity tiers and two duties no tier carries
    any more; they still parse, and their duties leave the tiers to the rule sets."""
    text = _replace(
        "duty_timeframe: now",
        "duty_timeframe: now\n  capacity_tiers: {standard: 200, enhanced: 800}",
    )
    text = _replace("duty: measures_document", "duty: risk_assessment", text)
    old = parse_methodology(text, file="old.yaml")
    assert old.question("g1").duty == "risk_assessment"
