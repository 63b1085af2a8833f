"""A stored result's duties as the rule set sees them today: what the page, the report and the
portfolio flag follows the site's tier, not what was stored before the rule sets."""

from __future__ import annotations

from vigil.assessments.duties import duties_under, lacking
from vigil.sites.premises import duty_tier

# What a 900-person place of worship stored before the rule sets: "enhanced", with a yearly
# risk assessment and a designated senior officer required.
STORED_BEFORE = [
    {"duty": "senior_officer", "tier": "enhanced", "required": True, "status": "lacking",
     "question_ids": ["gov.01"]},
    {"duty": "risk_assessment", "tier": "enhanced", "required": True, "status": "lacking",
     "question_ids": ["gov.02"]},
    {"duty": "evacuation", "tier": "standard", "required": True, "status": "met",
     "question_ids": ["pro.01"]},
    {"duty": "lockdown", "tier": "standard", "required": True, "status": "lacking",
     "question_ids": ["pro.03"]},
]  # fmt: skip


def test_an_old_result_of_a_place_of_worship_flags_only_the_standard_duties() -> None:
    worship = duty_tier(site_type="place_of_worship", capacity=900, country="GB")
    shown = duties_under(STORED_BEFORE, worship)
    by_code = {d["duty"]: d for d in shown}
    assert "risk_assessment" not in by_code  # no tier carries a yearly risk assessment
    assert not by_code["senior_officer"]["required"]
    assert by_code["lockdown"]["question_ids"] == ["pro.03"]
    # The regulator was not asked about then: not shown, so flagged.
    assert by_code["notify_regulator"]["status"] == "not_asked"
    assert lacking(shown) == ["notify_regulator", "invacuation", "lockdown", "communication"]


def test_the_same_answers_at_a_stadium_flag_the_enhanced_duties_too() -> None:
    stadium = duty_tier(site_type="stadium", capacity=900, country="GB")
    flagged = lacking(duties_under(STORED_BEFORE, stadium))
    assert "senior_officer" in flagged and "measures_document" in flagged
    assert "evacuation" not in flagged
    # Outside the UK the tier is advisory and no regulator is told.
    abroad = duty_tier(site_type="stadium", capacity=900, country="DE")
    assert "notify_regulator" not in lacking(duties_under(STORED_BEFORE, abroad))
