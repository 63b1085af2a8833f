"""The `scoring:` block of a methodology file: every number the risk formulas use.

DECISIONS 1: weights, radius, severity and distance weighting, how numeric answers score, the
likelihood and impact mappings, risk bands, cost classes and the now / 3 months / a year
cut-offs are data an organisation may change in its copy, not constants in code. Scoring reads
them from here and shows them, with their real values, when a number is expanded.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from vigil.core.datafile import invalid_at
from vigil.core.localised import Localised, text_in
from vigil.sites.kinds import SiteType as SiteTypeCode

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Weight = Annotated[float, Field(gt=0, le=1000)]
Level = Annotated[int, Field(ge=1, le=5)]


def _within(limit: int, *, required: bool) -> AfterValidator:
    """Each language's text stripped and at most `limit` characters (DECISIONS 32: a text is
    a plain English string or a mapping of languages)."""

    def check(value: str | dict[str, str]) -> str | dict[str, str]:
        texts = value if isinstance(value, dict) else {"en": value}
        cleaned = {code: text.strip() for code, text in texts.items()}
        for code, text in cleaned.items():
            if required and not text:
                raise ValueError(f"the '{code}' text is empty")
            if len(text) > limit:
                raise ValueError(f"the '{code}' text is longer than {limit} characters")
        return cleaned if isinstance(value, dict) else cleaned["en"]

    return AfterValidator(check)


# Human text of a methodology in one or several languages; ids and codes are never translated.
Text = Annotated[Localised, _within(2000, required=True)]
OptionalText = Annotated[Localised, _within(4000, required=False)]
ShortText = Annotated[Localised, _within(200, required=True)]
UnitText = Annotated[Localised, _within(40, required=True)]

# The site types of DOMAIN.md, owned by the sites domain.
SITE_TYPES = tuple(t.value for t in SiteTypeCode)


def _known_site_type(value: str) -> str:
    if value not in SITE_TYPES:
        raise ValueError(f"unknown site type '{value}' (one of {', '.join(SITE_TYPES)})")
    return value


SiteType = Annotated[str, AfterValidator(_known_site_type)]
SEVERITIES = ("extreme", "severe", "moderate", "minor", "unknown")
RISK_BANDS = ("low", "medium", "high", "critical")
RiskBandCode = Literal["low", "medium", "high", "critical"]
COSTS = ("low", "medium", "high")
CostClass = Literal["low", "medium", "high"]
# When a measure should be done; codes are stored with a site's measures.
TIMEFRAMES = ("now", "3_months", "year")
TimeframeCode = Literal["now", "3_months", "year"]
# When a measure not done is overdue, counted in days from when it was written: "now" gives a
# month to act, the others their name.
TIMEFRAME_DAYS = {"now": 30, "3_months": 91, "year": 365}


def english(value: str | dict[str, str]) -> str:
    """The English of a text: what scores and stored results carry, whatever the reader's
    language, so a result is the same in every language."""
    return text_in(value)


class Strict(BaseModel):
    """Unknown keys are errors: a misspelt key in a hand-edited file must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerValues(Strict):
    yes: Fraction
    partly: Fraction
    no: Fraction


class NumberBand(Strict):
    """Answers up to `max` (inclusive; none: any larger answer) score `value`."""

    max: float | None
    value: Fraction


class NumberScale(Strict):
    """How a number answer scores, e.g. minutes for police to arrive."""

    unit: UnitText
    min: float = 0
    max: float
    bands: list[NumberBand] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands_ascend(self) -> NumberScale:
        limits = [b.max for b in self.bands]
        last = ("bands", len(limits) - 1, "max")
        if limits[-1] is not None:
            raise invalid_at(
                last, "the last band must have `max: null` so every answer falls in one"
            )
        if None in limits[:-1]:
            raise invalid_at(("bands",), "only the last band may have `max: null`")
        finite = [x for x in limits if x is not None]
        if finite != sorted(set(finite)):
            raise invalid_at(("bands",), "band maxima must strictly ascend")
        if self.max <= self.min:
            raise invalid_at(("max",), "`max` must be greater than `min`")
        return self


class FromLevel(Strict):
    """From this number on (inclusive), the level is `level`."""

    from_: float = Field(alias="from", ge=0)
    level: Level


def _check_steps(steps: list[FromLevel], what: str) -> None:
    starts = [s.from_ for s in steps]
    if not starts or starts[0] != 0:
        raise invalid_at((what,), f"{what} must start `from: 0`")
    if starts != sorted(set(starts)):
        raise invalid_at((what,), f"{what} must have strictly ascending `from` values")


class SeverityWeights(Strict):
    extreme: Annotated[float, Field(ge=0)]
    severe: Annotated[float, Field(ge=0)]
    moderate: Annotated[float, Field(ge=0)]
    minor: Annotated[float, Field(ge=0)]
    unknown: Annotated[float, Field(ge=0)]


class DistanceBand(Strict):
    up_to_km: Annotated[float, Field(gt=0)]
    weight: Fraction


class ThreatParameters(Strict):
    radius_km: Annotated[float, Field(gt=0, le=100)]
    lookback_days: Annotated[int, Field(gt=0, le=3650)]
    severity_weights: SeverityWeights
    distance_bands: list[DistanceBand] = Field(min_length=1)
    incident_levels: list[FromLevel] = Field(min_length=1)
    national_weight: Fraction
    incident_weight: Fraction

    @model_validator(mode="after")
    def _consistent(self) -> ThreatParameters:
        limits = [b.up_to_km for b in self.distance_bands]
        if limits != sorted(set(limits)):
            raise invalid_at(("distance_bands",), "distance bands must ascend strictly")
        if limits[-1] != self.radius_km:
            last = ("distance_bands", len(limits) - 1, "up_to_km")
            raise invalid_at(last, "the last distance band must end at `radius_km`")
        _check_steps(self.incident_levels, "incident_levels")
        if abs(self.national_weight + self.incident_weight - 1) > 1e-9:
            message = "national_weight and incident_weight must add up to 1"
            raise invalid_at(("incident_weight",), message)
        return self


class LikelihoodParameters(Strict):
    threat_weight: Fraction
    vulnerability_weight: Fraction
    vulnerability_when_unknown: Annotated[float, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def _sum_one(self) -> LikelihoodParameters:
        if abs(self.threat_weight + self.vulnerability_weight - 1) > 1e-9:
            message = "threat_weight and vulnerability_weight must add up to 1"
            raise invalid_at(("vulnerability_weight",), message)
        return self


class ImpactParameters(Strict):
    capacity_levels: list[FromLevel] = Field(min_length=1)
    attendance_levels: list[FromLevel] = Field(min_length=1)
    capacity_weight: Fraction
    attendance_weight: Fraction
    people_level_when_unknown: Level
    site_type_adjustment: dict[SiteType, Annotated[int, Field(ge=-2, le=2)]] = {}

    @model_validator(mode="after")
    def _consistent(self) -> ImpactParameters:
        _check_steps(self.capacity_levels, "capacity_levels")
        _check_steps(self.attendance_levels, "attendance_levels")
        if abs(self.capacity_weight + self.attendance_weight - 1) > 1e-9:
            message = "capacity_weight and attendance_weight must add up to 1"
            raise invalid_at(("attendance_weight",), message)
        return self


class RiskBand(Strict):
    up_to: Annotated[int, Field(ge=1, le=25)]
    band: RiskBandCode


class CostWeights(Strict):
    low: Weight
    medium: Weight
    high: Weight


class Timeframe(Strict):
    code: TimeframeCode
    min_priority: Annotated[float, Field(ge=0)]


class CapacityTiers(Strict):
    """Capacity tiers that methodology versions before the premises rule sets carried; still
    read from them, and used by nothing: a site's tier is its jurisdiction's (`sites.premises`)."""

    standard: Annotated[int, Field(ge=1)]
    enhanced: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _order(self) -> CapacityTiers:
        if self.enhanced <= self.standard:
            raise invalid_at(("enhanced",), "the enhanced tier must start above the standard tier")
        return self


class ScenarioImpactWeights(Strict):
    lives: Fraction
    building: Fraction
    money: Fraction
    community: Fraction


class ScenarioParameters(Strict):
    """How an attack scenario's probability and impact are weighed (`scenarios.py`)."""

    means_weight: Fraction
    national_weight: Fraction
    incident_weight: Fraction
    ease_weight: Fraction
    # Steps from the score of nearby incidents of the scenario's types to a level 1..5.
    incident_levels: list[FromLevel] = Field(min_length=1)
    impact_weights: ScenarioImpactWeights
    # How many of the weakest scenarios the report and the site page lead with.
    lead: Annotated[int, Field(ge=1, le=12)] = 3

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioParameters:
        _check_steps(self.incident_levels, "incident_levels")
        parts = (self.means_weight, self.national_weight, self.incident_weight, self.ease_weight)
        if abs(sum(parts) - 1) > 1e-9:
            message = "means, national, incident and ease weights must add up to 1"
            raise invalid_at(("ease_weight",), message)
        if abs(sum(self.impact_weights.model_dump().values()) - 1) > 1e-9:
            message = "the impact weights must add up to 1"
            raise invalid_at(("impact_weights",), message)
        return self


class Scoring(Strict):
    answer_values: AnswerValues
    maturity_values: dict[Annotated[int, Field(ge=0, le=4)], Fraction]
    weak_answer_below: Annotated[float, Field(gt=0, le=1)]
    number_scales: dict[Code, NumberScale] = {}
    threat: ThreatParameters
    likelihood: LikelihoodParameters
    impact: ImpactParameters
    risk_bands: list[RiskBand] = Field(min_length=1)
    cost_weights: CostWeights
    timeframes: list[Timeframe]
    duty_timeframe: TimeframeCode
    capacity_tiers: CapacityTiers | None = None
    # A site's assessment is to be made again this many months after it was completed.
    review_months: Annotated[int, Field(ge=1, le=120)] = 12
    # Attack scenarios' weights (issue 21); a methodology with scenarios must give them.
    scenarios: ScenarioParameters | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Scoring:
        if sorted(self.maturity_values) != [0, 1, 2, 3, 4]:
            message = "maturity_values must give a value for each level 0, 1, 2, 3 and 4"
            raise invalid_at(("maturity_values",), message)
        ups = [b.up_to for b in self.risk_bands]
        if ups != sorted(set(ups)) or ups[-1] != 25:
            message = "risk bands must ascend strictly and the last must end at 25"
            raise invalid_at(("risk_bands",), message)
        if [t.code for t in self.timeframes] != list(TIMEFRAMES):
            message = "timeframes must be now, 3_months and year, in that order"
            raise invalid_at(("timeframes",), message)
        cuts = [t.min_priority for t in self.timeframes]
        if cuts != sorted(cuts, reverse=True) or cuts[-1] != 0:
            message = "timeframe cut-offs must descend and the last must be 0"
            raise invalid_at(("timeframes",), message)
        return self
