"""Attack scenarios (issue 21): hand-checked on the small methodology, every shown number
recomputed from its shown inputs, measures ranked by the scenario risk they remove per cost,
the shipped scenarios complete, and every wrong reference reported with file, line and key."""

from __future__ import annotations

import json

import pytest

from tests.assessments.small import SMALL_SCENARIOS, line_of, small, small_with_scenarios
from vigil.assessments.explain import evaluate
from vigil.assessments.methodology import parse_methodology, shipped_methodologies
from vigil.assessments.scoring import AssessmentScore, SiteFacts, ThreatInputs, score_assessment
from vigil.core.datafile import DataFileError

ANSWERS = {"g1": "partly", "g2": 2, "p1": "no", "p2": 12}
INCIDENTS = [
    ("severe", 0.3, 10, "extreme_violence"),  # 4 x 1.0, ramming's type
    ("minor", 1.5, 100, "threat"),  # 1 x 0.4, a hoax's
    ("bogus", 0.9, 1, "suspicious_item"),  # unknown severity: 1 x 0.7, a hoax's
    ("extreme", 6.0, 5, "extreme_violence"),  # beyond the 5 km radius
    ("moderate", 0.2, 400, "threat"),  # older than 365 days
    ("moderate", 0.2, 4, "damage"),  # no scenario's type
]
CHAPEL = SiteFacts("place_of_worship", capacity=400, typical_attendance=120)
SHIPPED_IDS = {
    "vehicle_ramming",
    "edged_weapon",
    "firearms",
    "person_borne_explosives",
    "vehicle_borne_explosives",
    "arson",
    "drones",
    "hazardous_substances",
    "hostile_reconnaissance",
    "hoax_bomb_threats",
    "insider",
    "cyber_physical",
}


def _score(answers: dict[str, object] | None = None) -> AssessmentScore:
    threat = ThreatInputs(national_level=3, incidents=INCIDENTS)
    m = small_with_scenarios()
    return score_assessment(m, answers or ANSWERS, site=CHAPEL, threat=threat)


def test_hand_checked_scenarios_weakest_first() -> None:
    ramming, hoax = _score().scenarios
    assert (ramming.scenario_id, hoax.scenario_id) == ("vehicle_ramming", "hoax_bomb_threats")
    # ramming: p1 "no" 0 and g2 level 2 = 0.5, weights 1 and 1 (p3 is for schools only)
    assert ramming.vulnerability.value == pytest.approx(75)
    assert (ramming.answered, ramming.questions) == (2, 2)
    # one severe extreme_violence incident at 0.3 km: 4 x 1.0 = 4 -> level 3
    assert ramming.incidents_counted == 1
    assert ramming.incident_score.value == pytest.approx(4)
    assert ramming.incident_level.value == 3
    # 0.2 x 4 + 0.2 x 3 + 0.2 x 3 + 0.4 x (1 + 4 x 0.75) = 3.6 -> 4
    assert ramming.probability.value == 4
    # people level 2 (the site's impact) caps lives 5: 0.5 x 2 + 0.2 x 2 + 0.1 x 2 + 0.2 x 4
    # = 2.4 -> 2
    assert ramming.impact.value == 2
    assert (ramming.risk.value, ramming.band) == (8, "medium")
    assert ramming.weakest == ("p1", "g2")  # weight x gap: 1 x 1, then 1 x 0.5
    # hoax: g1 partly (weight 3) and p2 12 minutes = 0.5: 100 x (1 - 2 / 4) = 50
    assert hoax.vulnerability.value == pytest.approx(50)
    # a threat (1 x 0.4) and an unknown-severity suspicious item (1 x 0.7): 1.1 -> level 2
    assert hoax.incidents_counted == 2
    assert hoax.incident_score.value == pytest.approx(1.1)
    # 0.2 x 5 + 0.2 x 3 + 0.2 x 2 + 0.4 x 3 = 3.2 -> 3
    assert hoax.probability.value == 3
    # 0.5 x min(1, 2) + 0.2 x 1 + 0.1 x 2 + 0.2 x 3 = 1.5 -> 2 (half up)
    assert hoax.impact.value == 2
    assert (hoax.risk.value, hoax.band) == (6, "medium")
    # The site's own risk is untouched by its scenarios.
    assert _score().risk.risk.value == 6


def test_scenario_with_no_answer_uses_the_unknown_vulnerability() -> None:
    hoax = next(s for s in _score({"g2": 2, "p1": "no"}).scenarios if s.answered == 0)
    assert hoax.vulnerability.value == 60  # vulnerability_when_unknown
    assert "vulnerability_when_unknown" in hoax.vulnerability.note
    assert evaluate(hoax.vulnerability.formula, hoax.vulnerability.inputs) == 60


def test_measures_carry_the_scenario_risk_they_remove_and_rank_by_it_per_cost() -> None:
    score = _score()
    by_id = {m.measure_id: m for m in score.measures}
    barriers, roles, plan, police = (
        by_id[i] for i in ("m.barriers", "m.roles", "m.plan", "m.police")
    )
    # m.barriers: p1 is half of ramming's weight, gap 1: 2 x 0.4 x 4 x 1.0 x 0.5 = 1.6; / 4
    assert [e.scenario_id for e in barriers.scenario_effects] == ["vehicle_ramming"]
    assert barriers.scenario_risk_removed is not None and barriers.scenario_priority is not None
    assert barriers.scenario_risk_removed.value == pytest.approx(1.6)
    assert barriers.scenario_priority.value == pytest.approx(0.4)
    # m.roles: g2 half of ramming, gap 0.5, effect 0.5: 0.4; / 2 (medium)
    assert roles.scenario_risk_removed is not None
    assert roles.scenario_risk_removed.value == pytest.approx(0.4)
    # m.plan: g1 is 3/4 of the hoax's weight, gap 0.5, effect 0.8: 2 x 0.4 x 4 x 0.8 x 0.375
    assert plan.scenario_risk_removed is not None
    assert plan.scenario_risk_removed.value == pytest.approx(0.96)
    # m.police: no scenario names it
    assert police.scenario_effects == ()
    assert police.scenario_risk_removed is not None and police.scenario_risk_removed.value == 0
    # The timeframes keep their rules (priority cut-offs); within one, scenario risk removed per
    # cost ranks: barriers (0.4) before police (0), although police's priority is higher.
    groups = score.measures_by_timeframe
    assert [[m.measure_id for m in groups[t]] for t in ("now", "3_months", "year")] == [
        ["m.plan"],
        ["m.barriers", "m.police"],
        ["m.roles"],
    ]
    assert police.priority.value > barriers.priority.value
    # Without scenarios the same answers keep the old order.
    plain = score_assessment(
        small(), ANSWERS, site=CHAPEL, threat=ThreatInputs(national_level=3, incidents=INCIDENTS)
    )
    assert [m.measure_id for m in plain.measures_by_timeframe["3_months"]] == [
        "m.police",
        "m.barriers",
    ]
    assert plain.scenarios == () and plain.measures[0].scenario_priority is None


def test_every_scenario_number_recomputes_from_its_stored_inputs() -> None:
    score = _score()
    shown = [(label, x) for label, x in score.explanations() if "scenario" in label]
    # six per scenario, two per measure, an effect for each of barriers, roles and plan
    assert len(shown) == 2 * 6 + 4 * 2 + 3
    for label, explanation in shown:
        assert evaluate(explanation.formula, explanation.inputs) == pytest.approx(
            explanation.value, abs=1e-9
        ), label
    stored = json.loads(json.dumps(score.as_dict()))
    for scenario in stored["scenarios"]:
        for name in ("vulnerability", "incident_score", "probability", "impact", "risk"):
            x = scenario[name]
            assert evaluate(x["formula"], x["inputs"]) == pytest.approx(x["value"]), name
    # DECISIONS 7: incidents reach the explanation only as counts per band.
    ramming = stored["scenarios"][0]["incident_score"]["inputs"]
    assert ramming["cells"] == ["severe, up to 0.5 km"] and ramming["counts"] == [1]
    assert ramming["incident_types"] == ["extreme_violence"]
    # The check can fail: a changed input no longer gives the shown number.
    probability = dict(stored["scenarios"][0]["probability"]["inputs"], means=1)
    assert evaluate(stored["scenarios"][0]["probability"]["formula"], probability) != 4


@pytest.mark.parametrize("code", ["places_of_worship", "crowded_venues"])
def test_shipped_scenarios_cover_the_attack_types(code: str) -> None:
    m = shipped_methodologies()[code]
    assert {s.id for s in m.scenarios} >= SHIPPED_IDS
    assert m.scoring.scenarios is not None
    for s in m.scenarios:
        assert set(s.title) == set(m.languages)  # type: ignore[arg-type]
        assert s.incident_types and s.questions and s.measures, s.id
        # Each measure it names is called for by one of its own questions.
        called = {x for q in s.questions for x in m.question(q).measures}
        called |= {x for q in s.questions for xs in m.question(q).steps.values() for x in xs}
        assert set(s.measures) <= called, s.id


def _error(text: str) -> DataFileError:
    with pytest.raises(DataFileError) as caught:
        parse_methodology(text, file="org.yaml")
    return caught.value


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment", "reason"),
    [
        (
            "questions: [p1, p3, g2]",
            "questions: [p1, p9, g2]",
            "scenarios.0.questions.1",
            "p9",
            "unknown question 'p9'",
        ),
        (
            "measures: [m.plan]",
            "measures: [m.plan, m.moat]",
            "scenarios.1.measures.1",
            "m.moat",
            "unknown measure 'm.moat'",
        ),
        (
            "incident_types: [extreme_violence]",
            "incident_types: [ramming]",
            "scenarios.0.incident_types.0",
            "[ramming]",
            "unknown incident type 'ramming'",
        ),
        (
            "  - id: hoax_bomb_threats",
            "  - id: vehicle_ramming",
            "scenarios.1.id",
            "- id: vehicle_ramming",
            "duplicate scenario id",
        ),
        ("means: 5", "means: 6", "scenarios.1.means", "means: 6", "less than or equal to 5"),
        (
            "    ease_weight: 0.4\n",
            "    ease_weight: 0.5\n",
            "scoring.scenarios.ease_weight",
            "ease_weight",
            "must add up to 1",
        ),
        (
            "questions: [g1, p2]",
            "questions: [g1, p2, g1]",
            "scenarios.1.questions.2",
            "[g1, p2, g1]",
            "question 'g1' twice",
        ),
    ],
)
def test_wrong_scenarios_name_file_line_key(
    old: str, new: str, key: str, fragment: str, reason: str
) -> None:
    assert old in SMALL_SCENARIOS, old
    text = SMALL_SCENARIOS.replace(old, new, 1)
    problems = _error(text).data_problems
    problem = next(p for p in problems if p.key == key)
    assert reason in problem.reason
    expected = line_of(text, fragment, occurrence=2 if fragment.startswith("- id: v") else 1)
    assert problem.line == expected


def test_scenarios_without_their_weights_are_an_error() -> None:
    start = SMALL_SCENARIOS.index("  scenarios:\n")
    end = SMALL_SCENARIOS.index("scenarios:\n  - id")
    text = SMALL_SCENARIOS[:start] + SMALL_SCENARIOS[end:]
    problem = _error(text).data_problems[0]
    assert problem.key == "scenarios"
    assert "scoring.scenarios" in problem.reason
    assert problem.line == line_of(text, "- id: vehicle_ramming")  # where the list starts
