"""Premises law as data: each rule of the UK rule set (site type x capacity -> tier, duties),
advisory tiers elsewhere, and a rule set file that contradicts itself refused by line and key."""

from __future__ import annotations

import pytest

from vigil.core.datafile import DataFileError, parse_model
from vigil.sites.kinds import SiteType
from vigil.sites.premises import RULES_DIR, PremisesRules, duty_tier, rule_sets

# What the UK's Terrorism (Protection of Premises) Act 2025 gives each tier, written out here
# apart from the rule set file.
UK_STANDARD = ("notify_regulator", "evacuation", "invacuation", "lockdown", "communication")
UK_ENHANCED = (
    *UK_STANDARD,
    "senior_officer",
    "monitoring",
    "movement",
    "physical_safety",
    "information_security",
    "measures_document",
)
# Site types the Act treats otherwise: never above the standard tier, or not premises at all.
STANDARD_WHATEVER_CAPACITY = {"place_of_worship", "school", "kindergarten"}
NOT_PREMISES = {"public_space"}

CAPACITIES = [None, 1, 199, 200, 799, 800, 75_000]


def expected(site_type: str, capacity: int | None) -> tuple[str | None, str]:
    """(tier, basis) of a site in the UK, from the Act as summarised above."""
    if capacity is None:
        return None, "capacity_unknown"
    if capacity < 200:
        return None, "below_scope"
    if site_type in NOT_PREMISES:
        return None, "site_type"
    if capacity >= 800 and site_type in STANDARD_WHATEVER_CAPACITY:
        return "standard", "site_type"
    return ("enhanced" if capacity >= 800 else "standard"), "capacity"


@pytest.mark.parametrize("capacity", CAPACITIES)
@pytest.mark.parametrize("site_type", [t.value for t in SiteType])
def test_every_uk_rule_gives_its_tier_and_duties(site_type: str, capacity: int | None) -> None:
    found = duty_tier(site_type=site_type, capacity=capacity, country="GB")
    tier, basis = expected(site_type, capacity)
    assert (found.tier, found.basis) == (tier, basis)
    assert found.duties == {None: (), "standard": UK_STANDARD, "enhanced": UK_ENHANCED}[tier]
    assert not found.advisory and found.rule_set == "uk"
    assert found.source.startswith("https://www.legislation.gov.uk/")
    assert (found.reason is not None) == (basis == "site_type")


def test_a_place_of_worship_of_900_is_standard_and_says_why() -> None:
    worship = duty_tier(site_type="place_of_worship", capacity=900, country="gb")
    assert worship.tier == "standard" and "senior_officer" not in worship.duties
    assert isinstance(worship.reason, dict)
    assert worship.reason["en"] == (
        "places of worship are standard-duty premises whatever their capacity"
    )
    stadium = duty_tier(site_type="stadium", capacity=900, country="GB")
    assert stadium.tier == "enhanced" and stadium.duties == UK_ENHANCED
    # The lowest tier carrying each duty, for the result's duty list.
    assert worship.tier_requiring("measures_document") == "enhanced"
    assert worship.tier_requiring("lockdown") == "standard"


@pytest.mark.parametrize("country", ["DE", "CZ", "", "at"])
def test_elsewhere_the_tier_is_advisory_and_leaves_out_the_regulator(country: str) -> None:
    for site_type in ("stadium", "place_of_worship", "public_space"):
        for capacity in CAPACITIES:
            found = duty_tier(site_type=site_type, capacity=capacity, country=country)
            uk = duty_tier(site_type=site_type, capacity=capacity, country="GB")
            assert found.advisory and (found.tier, found.basis) == (uk.tier, uk.basis)
            assert found.duties == tuple(d for d in uk.duties if d != "notify_regulator")
            assert "notify_regulator" not in dict(found.duty_tiers)


def _uk_text() -> str:
    return (RULES_DIR / "uk.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("enhanced_from: 800", "enhanced_from: 150", "enhanced_from"),
        ("    highest_tier: standard", "    highest_tier: enhanced", "site_types"),
        ("  standard: [notify_regulator,", "  standard: [keep_calm,", "duties.standard.0"),
        ("    - notify_regulator\n", "", "duties"),
        ("countries: [GB]", "countries: [Britain]", "countries.0"),
        ("  place_of_worship:", "  chapel:", "site_types.chapel"),
    ],
)
def test_a_rule_set_that_contradicts_itself_is_refused(old: str, new: str, key: str) -> None:
    text = _uk_text()
    assert old in text
    with pytest.raises(DataFileError) as refused:
        parse_model(text.replace(old, new, 1), PremisesRules, file="uk.yaml")
    assert refused.value.data_problems[0].key.startswith(key), refused.value


def test_the_shipped_rule_sets_cover_each_country_once_with_one_advisory() -> None:
    found = rule_sets()
    assert "uk" in found and [r.code for r in found.values() if r.advisory_elsewhere] == ["uk"]
    countries = [c for r in found.values() for c in r.countries]
    assert len(countries) == len(set(countries))
