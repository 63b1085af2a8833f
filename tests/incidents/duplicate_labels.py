"""The hand-written labelled reports of tests/data/duplicates (README there), read as report
fields, and the pairwise figures a duplicate search gets on them.

A pair is two reports; it is a duplicate pair when both tell the same event (`ev`). A pair's
place precision is `exact` when both reports are points, else `city`. For every report the
search's suggestions are the predicted pairs (each ordered pair counted once, from the report
searched for); precision and recall are over those pairs, by place precision; precision@1 is
over the reports something is suggested for: the share whose first suggestion is a duplicate.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from vigil.incidents.schemas import IncidentFields, Place
from vigil.incidents.typology import IncidentType, Precision, TargetKind

DATA = Path(__file__).resolve().parents[1] / "data" / "duplicates"
KM_PER_DEGREE_LAT = 111.2


@dataclass(frozen=True)
class Labelled:
    id: str
    event: str
    language: str
    fields: IncidentFields

    @property
    def precision(self) -> str:
        return "exact" if self.fields.place.precision == Precision.exact else "city"


def _moved(lat: float, lon: float, metres: float, key: str) -> tuple[float, float]:
    """`metres` from the point in a direction drawn from `key` (the same every run)."""
    bearing = math.radians(zlib.crc32(key.encode()) % 360)
    km = metres / 1000
    dlat = km * math.cos(bearing) / KM_PER_DEGREE_LAT
    dlon = km * math.sin(bearing) / (KM_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _report(city: dict, item: dict) -> Labelled:
    if item["where"] == "city":
        lat, lon = city["centre"]
        place = Place(lat=lat, lon=lon, city=city["city"], country=city["country"])
    else:
        lat, lon = _moved(*city["sites"][item["where"]], item.get("m", 0), item["id"])
        place = Place(
            lat=lat, lon=lon, city=city["city"], country=city["country"], precision="exact"
        )
    target = item.get("target")
    fields = IncidentFields(
        title=item["title"],
        narrative=item["text"],
        occurred_from=dt.datetime.fromisoformat(item["at"]),
        place=place,
        type=IncidentType(item["type"]),
        target_kind=None if target is None else TargetKind(target),
    )
    return Labelled(item["id"], item["ev"], item["lang"], fields)


def load() -> list[Labelled]:
    reports = []
    for path in sorted(DATA.glob("*.yaml")):
        city = yaml.safe_load(path.read_text(encoding="utf-8"))
        reports += [_report(city, item) for item in city["reports"]]
    return reports


@dataclass
class Figures:
    """Counts by place precision of pairs (and, for precision@1, of the report searched for)."""

    reports: list[Labelled]
    true_positive: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    actual: Counter[str] = field(default_factory=Counter)
    first_right: Counter[str] = field(default_factory=Counter)
    with_suggestion: Counter[str] = field(default_factory=Counter)
    wrong: list[tuple[str, str, float]] = field(default_factory=list)
    missed: list[tuple[str, str]] = field(default_factory=list)

    def add(self, report: Labelled, ranked: list[tuple[Labelled, bool, float]]) -> None:
        """`ranked`: the candidates found for `report`, best first, with suggested and score."""
        mates = {r.id for r in self.reports if r.event == report.event and r.id != report.id}
        for other in self.reports:
            if other.id in mates:
                self.actual[_pair(report, other)] += 1
        found = set()
        for other, suggested, score in ranked:
            if not suggested:
                continue
            kind = _pair(report, other)
            self.predicted[kind] += 1
            if other.id in mates:
                self.true_positive[kind] += 1
                found.add(other.id)
            else:
                self.wrong.append((report.id, other.id, score))
        self.missed += [(report.id, m) for m in sorted(mates - found)]
        suggested = [o for o, s, _ in ranked if s]
        if suggested:
            self.with_suggestion[report.precision] += 1
            self.first_right[report.precision] += suggested[0].id in mates

    def precision(self, kind: str) -> float:
        return self.true_positive[kind] / max(1, self.predicted[kind])

    def recall(self, kind: str) -> float:
        return self.true_positive[kind] / max(1, self.actual[kind])

    def precision_at_1(self, kind: str | None = None) -> float:
        kinds = [kind] if kind else list(self.with_suggestion)
        return sum(self.first_right[k] for k in kinds) / max(
            1, sum(self.with_suggestion[k] for k in kinds)
        )


def _pair(a: Labelled, b: Labelled) -> str:
    return "exact" if a.precision == b.precision == "exact" else "city"
