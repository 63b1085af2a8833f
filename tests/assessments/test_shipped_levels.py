"""The shipped methodologies word their levels per question and grade their measures (issue 21):
every yes/no and maturity question says what its lower levels mean for its own topic, and has a
next step from every level below the top, so "in place" still leads on to "practised"."""

from __future__ import annotations

import pytest

from vigil.assessments.methodology import LEVELS, shipped_methodologies
from vigil.core.localised import languages_of

CODES = ["places_of_worship", "crowded_venues"]


@pytest.mark.parametrize("code", CODES)
def test_every_level_below_the_top_is_worded_and_has_a_next_step(code: str) -> None:
    m = shipped_methodologies()[code]
    graded = [q for q in m.questions() if q.kind != "number"]
    assert graded
    for q in graded:
        below_top = LEVELS[q.kind][:-1]
        assert not q.measures, f"{q.id} keeps ungraded measures beside its steps"
        assert set(q.steps) == set(below_top), f"{q.id} lacks a step from some level"
        for level in below_top:
            assert q.steps[level], f"{q.id} has an empty step from {level}"
        # yes/no questions word at least "partly"; maturity questions every level 0..4.
        worded = {"partly"} if q.kind == "yes_no" else set(LEVELS["maturity"])
        assert worded <= set(q.levels), f"{q.id} does not word {worded - set(q.levels)}"
        for level, text in q.levels.items():
            assert set(m.languages) <= languages_of(text), f"{q.id} level {level}"
        if q.kind == "maturity":
            # The steps from 2 and 3 are their own: finishing the job, then practising it.
            lower = set(q.steps[0]) | set(q.steps[1])
            assert not set(q.steps[2]) & (lower | set(q.steps[3])), q.id
            assert not set(q.steps[3]) & lower, q.id
        else:
            assert not set(q.steps["partly"]) & set(q.steps["no"]), q.id
