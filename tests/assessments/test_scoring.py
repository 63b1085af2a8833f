"""Scores: hand-checked on a small methodology, every shown number recomputed from its shown
inputs (DECISIONS 1), measures ordered and grouped, answers checked, the batch fast enough."""

from __future__ import annotations

import json
import random
import time

import pytest

from tests.assessments.small import small
from vigil.assessments.explain import evaluate, round_half_up
from vigil.assessments.methodology import Methodology, shipped_methodologies
from vigil.assessments.risk import risk_band
from vigil.assessments.scoring import (
    AssessmentScore,
    RiskInput,
    SiteFacts,
    ThreatInputs,
    answer_text,
    batch_risk,
    check_answer,
    score_assessment,
    site_risk,
    validate_answer,
    validate_answers,
)
from vigil.core.errors import Invalid
from vigil.incidents.typology import IncidentType

ANSWERS = {"g1": "partly", "g2": 2, "p1": "no", "p2": 12}
INCIDENTS = [
    ("severe", 0.3, 10),  # 4 x 1.0
    ("minor", 1.5, 100),  # 1 x 0.4
    ("bogus", 0.9, 1),  # an unknown severity counts as unknown: 1 x 0.7
    ("extreme", 6.0, 5),  # beyond the 5 km radius
    ("moderate", 0.2, 400),  # older than 365 days
]
CHAPEL = SiteFacts("place_of_worship", capacity=400, typical_attendance=120)


def _score(site: SiteFacts = CHAPEL, answers: dict[str, object] | None = None) -> AssessmentScore:
    threat = ThreatInputs(national_level=3, incidents=INCIDENTS)
    return score_assessment(small(), answers or ANSWERS, site=site, threat=threat)


def test_hand_checked_vulnerability() -> None:
    v = _score().vulnerability
    governance, perimeter = v.sections
    # governance: (3 x 0.5 + 1 x 0.5) / 4 = 0.5 -> 50
    assert governance.vulnerability is not None
    assert governance.vulnerability.value == pytest.approx(50)
    # perimeter: p1 "no" = 0, p2 12 minutes = 0.5 (band up to 20); p3 is for schools only
    assert perimeter.vulnerability is not None
    assert perimeter.vulnerability.value == pytest.approx(75)
    assert [a.question_id for a in perimeter.answers] == ["p1", "p2"]
    # overall: (2 x 50 + 1 x 75) / 3
    assert v.overall is not None
    assert v.overall.value == pytest.approx(175 / 3)
    assert v.unanswered == ()


def test_na_is_left_out_and_unanswered_is_listed() -> None:
    v = _score(answers={"g1": "yes", "g2": "na", "p1": "no"}).vulnerability
    governance, perimeter = v.sections
    assert governance.vulnerability is not None and governance.vulnerability.value == 0
    assert governance.not_applicable == ("g2",)
    assert perimeter.unanswered == ("p2",)
    assert v.unanswered == ("p2",)
    assert v.overall is not None
    assert v.overall.value == pytest.approx((2 * 0 + 1 * 100) / 3)
    nothing = _score(answers={"g1": "na"}).vulnerability
    assert nothing.overall is None
    assert all(s.vulnerability is None for s in nothing.sections)


def test_hand_checked_threat_impact_likelihood_risk() -> None:
    r = _score().risk
    assert r.threat.incidents_counted == 3
    assert r.threat.incident_score.value == pytest.approx(4 + 0.4 + 0.7)
    assert r.threat.incident_level.value == 3  # 5.1 is in the step from 4
    assert r.threat.threat.value == pytest.approx(0.5 * 3 + 0.5 * 3)
    # impact: capacity 400 -> 3, attendance 120 -> 2; 0.4 x 3 + 0.6 x 2 = 2.4 -> 2
    assert r.impact.value == 2
    # likelihood: 0.5 x 3 + 0.5 x (1 + 4 x 58.33 / 100) = 3.17 -> 3
    assert r.likelihood.value == 3
    assert r.risk.value == 6
    assert r.band == "medium"
    # A school of the same size: children weigh one level more, and p3 is asked.
    school = _score(SiteFacts("school", 400, 120))
    assert school.risk.impact.value == 3
    assert "p3" in school.vulnerability.unanswered


def test_incidents_reach_the_explanation_only_as_counts_in_bands() -> None:
    """DECISIONS 7: no distances, places or ids of single incidents in what is shown."""
    shown = _score().risk.threat.incident_score
    assert shown.inputs["cells"] == [
        "severe, up to 0.5 km",
        "minor, up to 2 km",
        "unknown, up to 1 km",
    ]
    assert shown.inputs["counts"] == [1, 1, 1]
    assert "0.3" not in json.dumps(shown.as_dict())


def test_impact_with_unknown_people() -> None:
    m = small()
    threat = ThreatInputs(2)
    unknown = site_risk(m, vulnerability=None, site=SiteFacts("school"), threat=threat)
    assert unknown.impact.value == 4  # people_level_when_unknown 3 + school 1
    assert unknown.likelihood.inputs["vulnerability"] == 60  # vulnerability_when_unknown
    only_attendance = site_risk(
        m, vulnerability=10, site=SiteFacts("place_of_worship", None, 600), threat=threat
    )
    assert only_attendance.impact.inputs["capacity"] == 600
    assert only_attendance.impact.value == 4
    assert "capacity unknown" in only_attendance.impact.note


@pytest.mark.parametrize(
    ("risk", "band"),
    [(1, "low"), (4, "low"), (5, "medium"), (9, "medium"), (10, "high"), (16, "high")]
    + [(17, "critical"), (25, "critical")],
)
def test_risk_bands(risk: int, band: str) -> None:
    assert risk_band(small(), risk) == band


def test_round_half_up() -> None:
    assert [round_half_up(x) for x in (2.5, 3.5, 2.49, 0.5)] == [3, 4, 2, 1]


def test_measures_hand_checked_ordered_and_grouped() -> None:
    score = _score()
    ids = [m.measure_id for m in score.measures]
    # m.plan: 100 x 0.8 x (2/3 x 3/4 x 0.5) = 20 points; risk reduced 2 x 0.5 x 4 x 0.2 = 0.8
    # m.police: 100 x 0.6 x (1/3 x 1/2 x 0.5) = 5; 0.2 per low cost
    # m.barriers: 100 x 1.0 x (1/3 x 1/2 x 1) = 16.7; 0.667 / 4 (high cost) = 0.167
    # m.roles: 100 x 0.5 x (2/3 x 1/4 x 0.5) = 4.17; 0.167 / 2 (medium cost) = 0.083
    assert ids == ["m.plan", "m.police", "m.barriers", "m.roles"]
    plan, police, barriers, roles = score.measures
    assert plan.vulnerability_reduction.value == pytest.approx(20)
    assert plan.risk_reduced.value == pytest.approx(0.8)
    assert police.priority.value == pytest.approx(0.2)
    assert barriers.priority.value == pytest.approx(2 / 3 / 4)
    assert roles.priority.value == pytest.approx(1 / 12)
    groups = score.measures_by_timeframe
    assert [[m.measure_id for m in groups[t]] for t in ("now", "3_months", "year")] == [
        ["m.plan"],
        ["m.police", "m.barriers"],
        ["m.roles"],
    ]
    assert plan.timeframe_reason == {"rule": "priority", "priority": 0.8, "min_priority": 0.5}
    # Each measure is traceable to the answers that triggered it.
    assert [(t.question_id, t.answer, t.value) for t in barriers.triggers] == [("p1", "no", 0.0)]
    assert [(t.question_id, t.answer) for t in police.triggers] == [("p2", 12.0)]


def test_strong_answers_trigger_nothing() -> None:
    score = _score(answers={"g1": "yes", "g2": 3, "p1": "yes", "p2": 4})
    assert score.measures == ()
    assert score.vulnerability.overall is not None
    assert score.vulnerability.overall.value == pytest.approx(100 * (1 - (2 * (3.75 / 4) + 1) / 3))


def test_a_measure_shared_by_weak_answers_adds_them_up() -> None:
    school = _score(SiteFacts("school", 400, 120), answers={**ANSWERS, "p3": "no"})
    barriers = next(m for m in school.measures if m.measure_id == "m.barriers")
    assert [t.question_id for t in barriers.triggers] == ["p1", "p3"]
    # each of p1 and p3 is 1/3 of the perimeter, which is 1/3 of the whole
    assert barriers.vulnerability_reduction.value == pytest.approx(100 * 2 * (1 / 3) * (1 / 3))


def test_tier_duties_and_their_timeframe() -> None:
    # No country: advisory after the UK rule set, which puts 400 people in the standard tier.
    standard = _score()
    assert standard.tier == "standard" and standard.duty_tier.advisory
    duties = {d.duty: d for d in standard.duties}
    document = duties["measures_document"]
    assert (document.tier, document.required, document.status, document.question_ids) == (
        "enhanced",
        False,
        "lacking",
        ("g1",),
    )
    assert (duties["evacuation"].required, duties["evacuation"].status) == (True, "not_asked")
    assert "notify_regulator" not in duties  # no regulator to tell outside the UK
    # An enhanced site needs the document: the measure fixing it is due now, whatever its
    # priority (a low-impact site's priority would not reach the cut-off).
    enhanced = _score(SiteFacts("community_centre", 900, 1, "GB"))
    assert enhanced.tier == "enhanced" and not enhanced.duty_tier.advisory
    duties = {d.duty: d for d in enhanced.duties}
    assert duties["measures_document"].required and duties["notify_regulator"].required
    measure = next(m for m in enhanced.measures if m.measure_id == "m.plan")
    assert measure.timeframe == "now"
    assert measure.timeframe_reason == {"rule": "duty", "duties": ["measures_document"]}
    # A place of worship of 900 stays in the standard tier: the document is good practice there.
    worship = _score(SiteFacts("place_of_worship", 900, 1, "GB"))
    assert worship.tier == "standard" and worship.duty_tier.basis == "site_type"
    assert not {d.duty: d for d in worship.duties}["measures_document"].required
    measure = next(m for m in worship.measures if m.measure_id == "m.plan")
    assert measure.timeframe_reason["rule"] == "priority"

    def status(answers: dict[str, object]) -> str:
        return {d.duty: d for d in _score(answers=answers).duties}["measures_document"].status

    assert status({"g1": "yes"}) == "met"
    assert status({"g2": 1}) == "unanswered"
    assert _score(SiteFacts("place_of_worship", 150)).tier is None


def _random_answers(m: Methodology, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    answers: dict[str, object] = {}
    for q in m.questions():
        if rng.random() < 0.1:
            continue
        if q.kind == "yes_no":
            answers[q.id] = rng.choice(["yes", "partly", "no", "na"])
        elif q.kind == "maturity":
            answers[q.id] = rng.choice([0, 1, 2, 3, 4, "na"])
        else:
            scale = m.scoring.number_scales[q.scale or ""]
            answers[q.id] = round(rng.uniform(scale.min, min(scale.max, 60)), 1)
    return answers


@pytest.mark.parametrize("code", ["places_of_worship", "crowded_venues"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_shown_number_recomputes_from_its_shown_inputs(code: str, seed: int) -> None:
    m = shipped_methodologies()[code]
    rng = random.Random(seed)
    site = SiteFacts(rng.choice(m.applies_to), rng.randint(0, 20000), rng.randint(0, 20000))
    severities = ["extreme", "severe", "moderate", "minor", "unknown"]
    types = [t.value for t in IncidentType]
    incidents = [
        (rng.choice(severities), rng.uniform(0, 7), rng.uniform(0, 500), rng.choice(types))
        for _ in range(30)
    ]
    score = score_assessment(
        m,
        _random_answers(m, seed),
        site=site,
        threat=ThreatInputs(rng.randint(1, 5), incidents),
    )
    shown = score.explanations()
    assert len(shown) > 100
    labels = {label for label, _ in shown}
    assert {"vulnerability", "threat", "impact", "likelihood", "risk"} <= labels
    # Every attack scenario's numbers, and the scenario risk each measure removes, too.
    assert len(score.scenarios) >= 12
    assert {f"scenario.{s.scenario_id}.probability" for s in score.scenarios} <= labels
    assert any(label.endswith(".scenario_priority") for label in labels)
    assert any(s.incident_score.value > 0 for s in score.scenarios)
    stored = json.loads(json.dumps(score.as_dict()))  # what the page shows after storing
    assert stored["risk"]["risk"]["value"] == score.risk.risk.value
    for label, explanation in shown:
        recomputed = evaluate(explanation.formula, explanation.inputs)
        assert recomputed == pytest.approx(explanation.value, abs=1e-9), label
    # The check can fail: change one shown input and the number no longer follows.
    overall = score.vulnerability.overall
    assert overall is not None
    tampered = dict(overall.inputs)
    weights = overall.inputs["section_weights"]
    assert isinstance(weights, list)
    tampered["section_weights"] = [w * (i + 1) for i, w in enumerate(weights)]
    assert evaluate(overall.formula, tampered) != pytest.approx(overall.value)


def test_stored_explanations_recompute_too() -> None:
    stored = json.loads(json.dumps(_score().as_dict()))
    likelihood = stored["risk"]["likelihood"]
    assert evaluate(likelihood["formula"], likelihood["inputs"]) == likelihood["value"] == 3
    section = stored["vulnerability"]["sections"][1]["vulnerability"]
    assert evaluate(section["formula"], section["inputs"]) == pytest.approx(75)


def test_formulas_allow_only_arithmetic() -> None:
    for formula in ("__import__('os')", "x.real", "[1][0]", "open('f')", "x if x else 1"):
        with pytest.raises(ValueError):
            evaluate(formula, {"x": 1})
    with pytest.raises(ValueError, match="not among the inputs"):
        evaluate("y * 2", {"x": 1})


@pytest.mark.parametrize(
    ("question_id", "value", "message"),
    [
        ("g1", "maybe", "yes, partly, no or na"),
        ("g1", 1, "yes, partly, no or na"),
        ("g1", True, "yes, partly, no or na"),
        ("g2", 7, "maturity level"),
        ("g2", 2.5, "maturity level"),
        ("g2", "high", "maturity level"),
        ("g2", -1, "maturity level"),
        ("p2", "soon", "must be a number"),
        ("p2", float("nan"), "must be a number"),
        ("p2", None, "must be a number"),
        ("p2", 241, "between 0 and 240"),
        ("p2", -3, "between 0 and 240"),
        ("p2", "x" * 100, "too long"),
    ],
)
def test_wrong_answers_name_the_question(question_id: str, value: object, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_answer(small(), question_id, value)
    assert caught.value.field == question_id
    assert message in caught.value.reason
    assert caught.value.status == 422


def test_answers_in_every_spelling_normalise() -> None:
    m = small()
    assert check_answer(m, "g1", " YES ") == "yes"
    assert check_answer(m, "g1", "NA") == "na"
    assert check_answer(m, "g2", "3") == 3
    assert check_answer(m, "g2", 4.0) == 4
    assert check_answer(m, "p2", "12.5") == 12.5
    assert check_answer(m, "p2", "na") == "na"
    assert validate_answer(m.question("p2"), 999) == 999  # without a scale, any number
    assert [answer_text(a) for a in ("yes", 3, 12.0, 12.5)] == ["yes", "3", "12", "12.5"]
    assert check_answer(m, "p2", answer_text(12.5)) == 12.5


def test_all_wrong_answers_are_reported_together() -> None:
    with pytest.raises(Invalid) as caught:
        validate_answers(small(), {"g1": "yes", "g2": 9, "zz": "yes", "p1": "perhaps"})
    assert [field for field, _ in caught.value.problems] == ["g2", "zz", "p1"]
    assert "no such question" in caught.value.problems[1][1]
    with pytest.raises(Invalid):
        _score(answers={"g1": "maybe"})


def test_national_level_is_checked() -> None:
    with pytest.raises(ValueError, match="1..5"):
        site_risk(small(), vulnerability=10, site=CHAPEL, threat=ThreatInputs(6))


def test_batch_scores_a_hundred_thousand_sites_in_well_under_a_minute() -> None:
    """bench/risk.py scores 100,000 sites in one process; 10,000 here must take under 6 s."""
    m = shipped_methodologies()["crowded_venues"]
    rng = random.Random(7)
    severities = ["extreme", "severe", "moderate", "minor", "unknown"]
    items = [
        RiskInput(
            rng.uniform(0, 100),
            SiteFacts(rng.choice(m.applies_to), rng.randint(0, 50000), rng.randint(0, 40000)),
            ThreatInputs(
                rng.randint(1, 5),
                [
                    (rng.choice(severities), rng.uniform(0, 5), rng.uniform(0, 365))
                    for _ in range(10)
                ],
            ),
        )
        for _ in range(10_000)
    ]
    started = time.perf_counter()
    results = batch_risk(m, items)
    elapsed = time.perf_counter() - started
    print(f"batch_risk: {len(items) / elapsed:,.0f} sites/s")
    assert elapsed < 6
    one = site_risk(
        m, vulnerability=items[0].vulnerability, site=items[0].site, threat=items[0].threat
    )
    assert results[0] == one
    assert {r.band for r in results} == {"low", "medium", "high", "critical"}
