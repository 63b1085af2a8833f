"""Premises law as data: a site's duty tier and the duties it carries, by the rule set of the
site's jurisdiction (one YAML file per jurisdiction in `premises_rules/`).

A rule set names the countries it covers, the capacity from which premises are in scope and the
one from which they are in the enhanced tier, the site types it treats otherwise (under the UK's
Terrorism (Protection of Premises) Act 2025 a place of worship is a standard-duty premises
whatever its capacity), the duties of each tier and the law's text. A site in a country no rule
set covers gets the tier the advisory rule set would give it, marked as advisory, without the
duties that only make sense under that law (notifying its regulator). The jurisdiction follows
the site's country, so a site abroad follows the law where it stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from vigil.core.datafile import invalid_at, load_model
from vigil.core.localised import Localised
from vigil.sites.kinds import CapacityTier, PremisesDuty, SiteType

RULES_DIR = Path(__file__).parent / "premises_rules"

# Why a site is in its tier: the rule set's words on its type, or its capacity against the
# thresholds (in scope from, enhanced from), or no capacity given.
Basis = Literal["site_type", "capacity", "below_scope", "capacity_unknown"]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class _Strict(BaseModel):
    """Unknown keys are errors: a misspelt key in a hand-edited file must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteTypeRule(_Strict):
    # The highest tier premises of this type reach whatever their capacity: `standard`, or
    # `none` for premises the law does not cover.
    highest_tier: Literal["standard", "none"]
    reason: Localised


class TierDuties(_Strict):
    """Every duty each tier carries (the enhanced tier lists the standard tier's too)."""

    standard: list[PremisesDuty] = Field(min_length=1)
    enhanced: list[PremisesDuty] = Field(min_length=1)

    @model_validator(mode="after")
    def _enhanced_adds(self) -> TierDuties:
        for tier in (self.standard, self.enhanced):
            if len(set(tier)) != len(tier):
                name = "standard" if tier is self.standard else "enhanced"
                raise invalid_at((name,), "a tier lists a duty twice")
        missing = [d.value for d in self.standard if d not in self.enhanced]
        if missing:
            message = f"the enhanced tier lacks standard duties: {', '.join(missing)}"
            raise invalid_at(("enhanced",), message)
        return self


class PremisesRules(_Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]
    name: Localised  # short, as in "after the UK rule set"
    law: Localised  # the law's title
    source: Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=500)]
    countries: list[CountryCode]
    # The rule set that gives advisory tiers to sites in countries no rule set covers.
    advisory_elsewhere: bool = False
    in_scope_from: Annotated[int, Field(ge=1)]
    enhanced_from: Annotated[int, Field(ge=2)]
    site_types: dict[SiteType, SiteTypeRule] = {}
    duties: TierDuties
    # Duties that exist only under this law (telling its regulator): advisory tiers leave them out.
    law_only: list[PremisesDuty] = []

    @model_validator(mode="after")
    def _thresholds(self) -> PremisesRules:
        if self.enhanced_from <= self.in_scope_from:
            raise invalid_at(("enhanced_from",), "enhanced_from must be above in_scope_from")
        return self

    def tier_of(self, site_type: str, capacity: int | None, *, advisory: bool) -> DutyTier:
        tier: str | None = None
        reason: str | dict[str, str] | None = None
        if capacity is None:
            basis: Basis = "capacity_unknown"
        elif capacity < self.in_scope_from:
            basis = "below_scope"
        else:
            by_capacity = "enhanced" if capacity >= self.enhanced_from else "standard"
            rule = self.site_types.get(site_type)  # type: ignore[call-overload]
            if rule is not None and (rule.highest_tier == "none" or by_capacity == "enhanced"):
                # The type rule decides only where it changes what the capacity gives.
                basis = "site_type"
                reason = rule.reason
                tier = None if rule.highest_tier == "none" else rule.highest_tier
            else:
                basis, tier = "capacity", by_capacity
        left_out = set(self.law_only) if advisory else set()
        carried = {
            None: (),
            "standard": tuple(d.value for d in self.duties.standard if d not in left_out),
            "enhanced": tuple(d.value for d in self.duties.enhanced if d not in left_out),
        }
        lowest = [(d, "standard") for d in carried["standard"]]
        lowest += [(d, "enhanced") for d in carried["enhanced"] if d not in carried["standard"]]
        return DutyTier(
            tier=tier,
            basis=basis,
            reason=reason,
            rule_set=self.code,
            name=self.name,
            law=self.law,
            source=self.source,
            advisory=advisory,
            in_scope_from=self.in_scope_from,
            enhanced_from=self.enhanced_from,
            duties=carried[tier],
            duty_tiers=tuple(lowest),
        )


@dataclass(frozen=True)
class DutyTier:
    """A site's tier under a rule set, why, and the duties that tier carries."""

    tier: str | None  # standard | enhanced | None (out of scope, or capacity unknown)
    basis: str  # a Basis
    reason: str | dict[str, str] | None  # the rule set's words when basis is site_type
    rule_set: str
    name: str | dict[str, str]
    law: str | dict[str, str]
    source: str
    advisory: bool  # the site's country has no rule set: the tier is good practice, not law
    in_scope_from: int
    enhanced_from: int
    duties: tuple[str, ...]  # what the site's tier carries, in the rule set's order
    # Every duty of the rule set with the lowest tier that carries it.
    duty_tiers: tuple[tuple[str, str], ...]

    @property
    def capacity_tier(self) -> CapacityTier | None:
        return CapacityTier(self.tier) if self.tier else None

    def tier_requiring(self, duty: str) -> str | None:
        return dict(self.duty_tiers).get(duty)


@cache
def rule_sets() -> dict[str, PremisesRules]:
    """The shipped rule sets by code, parsed and checked together once per process."""
    found = {}
    for path in sorted(RULES_DIR.glob("*.yaml")):
        rules = load_model(path, PremisesRules)
        found[rules.code] = rules
    _check_together(list(found.values()))
    return found


def _check_together(found: list[PremisesRules]) -> None:
    advisory = [r.code for r in found if r.advisory_elsewhere]
    if len(advisory) != 1:
        raise ValueError(f"exactly one rule set must be advisory_elsewhere, not {advisory}")
    seen: dict[str, str] = {}
    for rules in found:
        for country in rules.countries:
            if country in seen:
                raise ValueError(f"{country} is covered by both {seen[country]} and {rules.code}")
            seen[country] = rules.code


def rules_for(country: str) -> tuple[PremisesRules, bool]:
    """The rule set of a country, and whether it is only advisory there."""
    found = rule_sets()
    code = country.strip().upper()
    for rules in found.values():
        if code in rules.countries:
            return rules, False
    return next(r for r in found.values() if r.advisory_elsewhere), True


def duty_tier(*, site_type: str, capacity: int | None, country: str) -> DutyTier:
    """The duty tier of a site; a capacity of None (or 0, not given) gives no tier."""
    rules, advisory = rules_for(country)
    return rules.tier_of(site_type, capacity or None, advisory=advisory)
