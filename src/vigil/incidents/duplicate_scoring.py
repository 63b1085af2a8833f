"""Scoring of duplicates: how close two accounts of an event are, by signals that do not need the
two to share their words, and which signals carried it.

    score = time ** 0.4 * place ** 0.2 * evidence ** 0.4
    evidence = 1 - (1 - site) (1 - names) (1 - numbers) (1 - wording) (1 - type) (1 - target)

`time` and `place` fade on a log scale (a reporting error is a factor more than an offset) and
reach 0 at 36 h and 5 km: beyond either, two accounts are not one event, whatever they say. A
city-level place says only "this city": it neither helps nor hurts within the city, and such
pairs have a threshold of their own (SUGGEST_THRESHOLDS, measured on the labelled reports of
tests/data/duplicates, docs/duplicates.md). Evidence combines, each as the chance it is not a
coincidence: the same linked site; names both give (streets, sites, organisations; across
languages, by duplicate_features); numbers both give; the wording, only when both are in
the same language; the same type and target kind. Two different linked sites are two events;
two accounts that both name places and share none keep a quarter of their evidence.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

from vigil.geo.distance import haversine_km
from vigil.geo.folding import fold
from vigil.incidents.duplicate_features import (
    TextFeatures,
    features_of,
)
from vigil.incidents.models import Incident
from vigil.incidents.schemas import IncidentFields
from vigil.incidents.typology import Precision

TIME_FULL_HOURS = 3.0
TIME_ZERO_HOURS = 36.0
DISTANCE_FULL_KM = 0.2
DISTANCE_ZERO_KM = 5.0
# A city-level point is the city's centre: it says "this city", not "this street".
CITY_RADIUS_KM = 15.0
PLACE_UNKNOWN = 0.6
TIME_WEIGHT = 0.4
PLACE_WEIGHT = 0.2
EVIDENCE_WEIGHT = 0.4
# How much each signal says on its own (the chance it is not a coincidence).
SITE_SIGNAL = 0.9
NAME_SIGNAL = (0.0, 0.7, 0.85)  # by names shared: none, one, two or more
NUMBER_SIGNAL = (0.0, 0.25, 0.45)
WORDING_SIGNAL = 0.8  # times the cosine of the wordings
TYPE_SIGNAL = 0.35
TARGET_SIGNAL = 0.1
NAMES_CONFLICT = 0.25
# Two witnesses may name the type differently, but a pair of another type is more often another
# event at the same place (a threat in the morning, insults in the evening).
OTHER_TYPE = 0.6
# Suggested from these scores up, by the precision of the pair's places (measured).
SUGGEST_THRESHOLDS = {"exact": 0.72, "city": 0.68}
SUGGEST_THRESHOLD = min(SUGGEST_THRESHOLDS.values())
EXACT_PRECISIONS = frozenset({Precision.exact.value, Precision.street.value})
COUNTRY = Precision.country.value
FEATURES_CACHED = 20_000


@functools.lru_cache(maxsize=FEATURES_CACHED)
def cached_features(text: str) -> TextFeatures:
    """Text features by text: the same incident comes up for many reports around it."""
    return features_of(text)


@dataclass(frozen=True)
class Account:
    """What scoring reads of a report or an incident."""

    title: str
    narrative: str
    occurred_from: dt.datetime
    lat: float | None
    lon: float | None
    precision: str
    city: str
    country: str
    type: str
    address: str = ""
    target_kind: str | None = None
    site_id: int | None = None

    @classmethod
    def of_fields(cls, fields: IncidentFields) -> Account:
        return cls(
            title=fields.title,
            narrative=fields.narrative,
            occurred_from=fields.occurred_from,
            lat=fields.place.lat,
            lon=fields.place.lon,
            precision=fields.place.precision.value,
            city=fields.place.city,
            country=fields.place.country,
            type=fields.type.value,
            address=fields.place.address,
            target_kind=None if fields.target_kind is None else fields.target_kind.value,
            site_id=fields.site_id,
        )

    @classmethod
    def of_incident(cls, incident: Incident) -> Account:
        return cls(
            title=incident.title,
            narrative=incident.narrative,
            occurred_from=incident.occurred_from,
            lat=incident.lat,
            lon=incident.lon,
            precision=incident.precision,
            city=incident.city,
            country=incident.country,
            type=incident.type,
            address=incident.address,
            target_kind=incident.target_kind,
            site_id=incident.site_id,
        )

    @functools.cached_property
    def point(self) -> tuple[float, float] | None:
        """The place as a point, unless it is only a country (its centre says nothing)."""
        if self.lat is None or self.lon is None or self.precision == COUNTRY:
            return None
        return self.lat, self.lon

    @functools.cached_property
    def is_exact(self) -> bool:
        return self.point is not None and self.precision in EXACT_PRECISIONS

    @property
    def features(self) -> TextFeatures:
        return cached_features(f"{self.title}\n{self.address}\n{self.narrative}")


@dataclass(frozen=True)
class Closeness:
    hours: float
    km: float | None
    time: float
    place: float
    exact: bool  # both places are points of a street or better
    same_site: bool | None  # None unless both link a site
    names: tuple[str, ...]  # the names both give, as the other account writes them
    names_conflict: bool  # both name places, none the same
    numbers: tuple[str, ...]
    wording: float | None  # None unless both are in one known language
    languages: tuple[str, str]
    same_type: bool
    same_target: bool
    other_type: str

    @functools.cached_property
    def signals(self) -> dict[str, float]:
        """What each signal says on its own, for those that say something."""
        found = {
            "site": SITE_SIGNAL if self.same_site else 0.0,
            "names": NAME_SIGNAL[min(len(self.names), 2)],
            "numbers": NUMBER_SIGNAL[min(len(self.numbers), 2)],
            "wording": WORDING_SIGNAL * (self.wording or 0.0),
            "type": TYPE_SIGNAL if self.same_type else 0.0,
            "target": TARGET_SIGNAL if self.same_target else 0.0,
        }
        return {name: value for name, value in found.items() if value > 0}

    @functools.cached_property
    def evidence(self) -> float:
        if self.same_site is False:
            return 0.0
        doubt = math.prod(1 - value for value in self.signals.values())
        conflicts = (NAMES_CONFLICT if self.names_conflict else 1.0) * (
            1.0 if self.same_type else OTHER_TYPE
        )
        return (1 - doubt) * conflicts

    @functools.cached_property
    def score(self) -> float:
        evidence = self.evidence
        if self.time <= 0 or self.place <= 0 or evidence <= 0:
            return 0.0
        return self.time**TIME_WEIGHT * self.place**PLACE_WEIGHT * evidence**EVIDENCE_WEIGHT

    @property
    def precision(self) -> str:
        return "exact" if self.exact else "city"

    @property
    def suggested(self) -> bool:
        return self.score >= SUGGEST_THRESHOLDS[self.precision]

    @property
    def carried_by(self) -> list[str]:
        """The signals that carried the score: time and place when close, then the evidence."""
        carried = ["time"] if self.time >= 0.5 else []
        carried += ["place"] if self.exact and self.place >= 0.5 else []
        strongest = sorted(self.signals.items(), key=lambda kv: -kv[1])
        return carried + [name for name, value in strongest if value >= TYPE_SIGNAL]


def _log_fade(value: float, full: float, zero: float) -> float:
    """1 up to `full`, 0 from `zero`, falling linearly in log(value) between."""
    if value <= full:
        return 1.0
    if value >= zero:
        return 0.0
    return 1.0 - math.log(value / full) / math.log(zero / full)


def time_closeness(hours: float) -> float:
    return _log_fade(hours, TIME_FULL_HOURS, TIME_ZERO_HOURS)


def distance_closeness(km: float) -> float:
    return _log_fade(km, DISTANCE_FULL_KM, DISTANCE_ZERO_KM)


def place_closeness(a: Account, b: Account) -> tuple[float, float | None]:
    """Closeness of two places and, when both are points, their distance in km.

    Two exact points fade with distance; a city-level point only says whether the other place is
    in the same city (then 1: the other signals decide); without points, the city names are
    compared; an unknown place counts a little against.
    """
    pa, pb = a.point, b.point
    if pa is not None and pb is not None:
        km = haversine_km(pa[0], pa[1], pb[0], pb[1])
        if a.is_exact and b.is_exact:
            return distance_closeness(km), km
        return (1.0 if km <= CITY_RADIUS_KM else 0.0), km
    if a.country and b.country and a.country != b.country:
        return 0.0, None
    if a.city and b.city:
        return (1.0 if _folded(a.city) == _folded(b.city) else 0.0), None
    return PLACE_UNKNOWN, None


def hours_between(a: Account, b: Account) -> float:
    return abs((a.occurred_from - b.occurred_from).total_seconds()) / 3600.0


def bound(a: Account, b: Account) -> tuple[float, float, float | None, float]:
    """Time closeness, place closeness, km, and the highest score the pair could reach."""
    hours = hours_between(a, b)
    place, km = place_closeness(a, b)
    time = time_closeness(hours)
    return time, place, km, time**TIME_WEIGHT * place**PLACE_WEIGHT


@functools.lru_cache(maxsize=4096)
def _folded(name: str) -> str:
    return fold(name)


def closeness(a: Account, b: Account) -> Closeness:
    fa, fb = a.features, b.features
    hours = hours_between(a, b)
    place, km = place_closeness(a, b)
    # The city itself is no evidence: every report from there may name it.
    cities = {_folded(a.city), _folded(b.city)}
    names_a = [n for n in fa.names if n.folded not in cities]
    names_b = [n for n in fb.names if n.folded not in cities]
    shared = [n.shown for n in names_b if fa.shares(n) and n.folded not in cities]
    same_language = bool(fa.language) and fa.language == fb.language
    both_sites = a.site_id is not None and b.site_id is not None
    return Closeness(
        hours=hours,
        km=km,
        time=time_closeness(hours),
        place=place,
        exact=a.is_exact and b.is_exact,
        same_site=(a.site_id == b.site_id) if both_sites else None,
        names=tuple(shared),
        names_conflict=bool(names_a and names_b and not shared),
        numbers=tuple(sorted(fa.numbers & fb.numbers, key=int)),
        wording=fa.wording.similarity(fb.wording) if same_language else None,
        languages=(fa.language, fb.language),
        same_type=a.type == b.type,
        same_target=a.target_kind is not None and a.target_kind == b.target_kind,
        other_type=b.type,
    )
