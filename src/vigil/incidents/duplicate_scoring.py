"""Scoring of duplicates: how close two accounts of an event are, and the reasons a person can
check.

The score is a weighted geometric mean of closenesses in 0..1, so that every one must agree:

    score = time ** 0.3 * place ** 0.3 * evidence ** 0.4
    evidence = 0.8 * text + 0.2 * same_type

`time` and `place` fade on a log scale (a reporting error is a factor more than an offset) and
reach 0 at 72 h and 5 km: beyond either, two accounts are not one event, whatever their wording.
`text` is the cosine of the character-trigram frequencies of the accent- and case-folded title and
narrative without the little words every account shares: typos and reordering cost little, while
another street, site or object costs as much as it says. Measured on the labelled corpus of
tests/incidents/duplicate_corpus.py (DECISIONS 18).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

from rapidfuzz.utils import default_process

from vigil.geo.distance import haversine_km
from vigil.geo.folding import fold
from vigil.incidents.models import Incident
from vigil.incidents.schemas import IncidentFields
from vigil.incidents.typology import Precision

TIME_FULL_HOURS = 2.0
TIME_ZERO_HOURS = 72.0
DISTANCE_FULL_KM = 0.2
DISTANCE_ZERO_KM = 5.0
# A city-precision point is the city's centre: it says "this city", not "this street".
CITY_RADIUS_KM = 15.0
PLACE_SAME_CITY = 0.5
PLACE_UNKNOWN = 0.35
TIME_WEIGHT = 0.3
PLACE_WEIGHT = 0.3
EVIDENCE_WEIGHT = 0.4
TEXT_SHARE = 0.8
SUGGEST_THRESHOLD = 0.65
TEXT_CHARS = 2000
EXACT_PRECISIONS = frozenset({Precision.exact.value, Precision.street.value})

# Little words every account shares ("the bag was left at the door"), in a few European
# languages; they make unrelated accounts look alike and say nothing about the event.
_LITTLE_WORDS = """
    a an and are as at be been by for from had has have he her his i in is it its of on or our
    she that the their them there they this to was we were who with near after before about
    der die das den dem des ein eine einer und ist war am im in zu von mit auf bei
    le la les un une des et est a au aux du de en sur dans par pour
    de het een en van op in aan bij
    a az es egy
    v ve na se je z ze do k o s u w sie
    """
STOPWORDS = frozenset(_LITTLE_WORDS.split())


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

    @classmethod
    def of_fields(cls, fields: IncidentFields) -> Account:
        return cls(
            title=fields.title,
            narrative=fields.narrative[:TEXT_CHARS],
            occurred_from=fields.occurred_from,
            lat=fields.place.lat,
            lon=fields.place.lon,
            precision=fields.place.precision.value,
            city=fields.place.city,
            country=fields.place.country,
            type=fields.type.value,
        )

    @classmethod
    def of_incident(cls, incident: Incident) -> Account:
        return cls(
            title=incident.title,
            narrative=incident.narrative[:TEXT_CHARS],
            occurred_from=incident.occurred_from,
            lat=incident.lat,
            lon=incident.lon,
            precision=incident.precision,
            city=incident.city,
            country=incident.country,
            type=incident.type,
        )

    @property
    def point(self) -> tuple[float, float] | None:
        """The place as a point, unless it is only a country (its centre says nothing)."""
        if self.lat is None or self.lon is None or self.precision == Precision.country.value:
            return None
        return self.lat, self.lon

    @property
    def is_exact(self) -> bool:
        return self.point is not None and self.precision in EXACT_PRECISIONS

    def wording(self) -> Wording:
        return Wording.of(f"{self.title} {self.narrative}")


@dataclass(frozen=True)
class Wording:
    """Character-trigram frequencies of a text's words, folded (case, accents, punctuation)."""

    trigrams: Counter[tuple[str, str, str]]
    norm: float

    @classmethod
    def of(cls, text: str) -> Wording:
        words = [w for w in default_process(fold(text)).split() if w not in STOPWORDS]
        # Each word padded with a space on both sides: " ab", "abc", "bc " and so on. Words are
        # joined by two spaces, and the trigrams that straddle two words (a space in the middle)
        # are dropped, so the order of the words does not count.
        padded = " " + "  ".join(words) + " "
        trigrams = Counter(zip(padded, padded[1:], padded[2:], strict=False))
        for straddling in [t for t in trigrams if t[1] == " "]:
            del trigrams[straddling]
        return cls(trigrams, math.sqrt(sum(n * n for n in trigrams.values())))

    def similarity(self, other: Wording) -> float:
        """Cosine of the two frequency vectors: 1 for the same words, 0 for no shared trigram."""
        if not self.norm or not other.norm:
            return 0.0
        small, large = sorted((self.trigrams, other.trigrams), key=len)
        dot = sum(n * large[g] for g, n in small.items() if g in large)
        return min(1.0, dot / (self.norm * other.norm))


@dataclass(frozen=True)
class Closeness:
    time: float
    place: float
    text: float
    same_type: bool
    hours: float
    km: float | None

    @property
    def score(self) -> float:
        if self.time <= 0 or self.place <= 0:
            return 0.0
        evidence = TEXT_SHARE * self.text + (1 - TEXT_SHARE) * self.same_type
        if evidence <= 0:
            return 0.0
        return self.time**TIME_WEIGHT * self.place**PLACE_WEIGHT * evidence**EVIDENCE_WEIGHT


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
    in the same city; without points, the city names are compared; an unknown place is neutral.
    """
    pa, pb = a.point, b.point
    if pa is not None and pb is not None:
        km = haversine_km(pa[0], pa[1], pb[0], pb[1])
        if a.is_exact and b.is_exact:
            return distance_closeness(km), km
        return (PLACE_SAME_CITY if km <= CITY_RADIUS_KM else 0.0), km
    if a.country and b.country and a.country != b.country:
        return 0.0, None
    if a.city and b.city:
        return (PLACE_SAME_CITY if fold(a.city) == fold(b.city) else 0.0), None
    return PLACE_UNKNOWN, None


def hours_between(a: Account, b: Account) -> float:
    return abs((a.occurred_from - b.occurred_from).total_seconds()) / 3600.0


def closeness(a: Account, b: Account, *, wording_a: Wording | None = None) -> Closeness:
    place, km = place_closeness(a, b)
    hours = hours_between(a, b)
    return closeness_from(a, b, hours=hours, place=place, km=km, wording_a=wording_a)


def closeness_from(
    a: Account,
    b: Account,
    *,
    hours: float,
    place: float,
    km: float | None,
    wording_a: Wording | None,
) -> Closeness:
    """The closeness when time and place are already known (ranking bounds the score by them)."""
    wording = a.wording() if wording_a is None else wording_a
    return Closeness(
        time=time_closeness(hours),
        place=place,
        text=wording.similarity(b.wording()),
        same_type=a.type == b.type,
        hours=hours,
        km=km,
    )


def _hours_text(hours: float) -> str:
    if hours < 1 / 60:
        return "same time"
    if hours < 1:
        return f"{round(hours * 60)} min apart"
    if hours < 48:
        return f"{round(hours)} h apart"
    return f"{hours / 24:.1f} days apart"


def _place_text(c: Closeness, a: Account, b: Account) -> str:
    if c.km is not None and a.is_exact and b.is_exact:
        if c.km < 0.01:
            return "less than 10 m apart"
        if c.km < 1:
            return f"{round(c.km * 1000, -1):.0f} m apart"
        return f"{c.km:.1f} km apart"
    if c.place == PLACE_SAME_CITY:
        return f"same city: {b.city or a.city}" if (b.city or a.city) else "same city"
    return "place not known precisely enough to compare"


def reasons(c: Closeness, a: Account, b: Account) -> list[str]:
    """Why `b` may be the event `a` describes, in the order a coordinator checks them."""
    wording = "similar" if c.text >= 0.5 else "different"
    kind = f"same type: {b.type}" if c.same_type else f"different type: {b.type}"
    return [
        _hours_text(c.hours),
        _place_text(c, a, b),
        f"{wording} wording ({round(c.text * 100)}%)",
        kind,
    ]
