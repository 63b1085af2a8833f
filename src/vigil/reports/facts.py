"""What each counted incident contributes to the figures: its month, week and year in its own
time zone, its place down to the region, its codes. One definition, used by the refresh, the
check that recomputes the figures and the counts that cannot come from the stored cells.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from vigil.core.forms import zone_or_utc
from vigil.geo.folding import fold
from vigil.geo.gazetteer import gazetteer
from vigil.geo.regions import region_of
from vigil.incidents.counted import counted_incidents
from vigil.incidents.queries import IncidentFilters
from vigil.reports.models import UNSPECIFIED

# DOMAIN.md counting rule 2: what the statistics page counts, and the published basis (the
# annual report, the ODIHR export).
COUNTED = ("new", "triaged", "verified", "closed")
PUBLISHED = ("verified", "closed")
SCHEMES = ("bias", "ihra")
# Zones are at most 14 hours from UTC: a window this much wider than a local period holds
# every incident whose local time falls in it.
ZONE_SLACK = dt.timedelta(hours=14)


@dataclass(frozen=True, slots=True)
class Fact:
    """One counted incident as the figures see it. `bias` and `ihra` are never empty:
    ("unspecified",) stands for none (counting rule 4)."""

    incident_id: int
    org_id: int
    day: dt.date  # local
    status: str
    type: str
    target_kind: str
    country: str
    region: str
    city: str
    source: str
    tlp: str
    injuries: int
    bias: tuple[str, ...]
    ihra: tuple[str, ...]

    @property
    def month(self) -> str:
        return f"{self.day.year:04d}-{self.day.month:02d}"

    @property
    def year(self) -> str:
        return f"{self.day.year:04d}"

    @property
    def week(self) -> str:
        year, week, _ = self.day.isocalendar()
        return f"{year:04d}-W{week:02d}"

    def codes(self, scheme: str) -> tuple[str, ...]:
        return self.bias if scheme == "bias" else self.ihra


# Each counted incident asks for its zone: an unknown name is not looked up again.
_zone = functools.lru_cache(maxsize=1024)(zone_or_utc)


def local_day(moment: dt.datetime, zone: str) -> dt.date:
    """The date of `moment` in the incident's own zone (counting rule 3)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_zone(zone or "UTC")).date()


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def utc_window(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds holding every incident whose local date is in [start, end)."""
    low = dt.datetime.combine(start, dt.time(), dt.UTC) - ZONE_SLACK
    high = dt.datetime.combine(end, dt.time(), dt.UTC) + ZONE_SLACK
    return low, high


@functools.lru_cache(maxsize=65_536)
def _known_city(country: str, city: str) -> bool:
    folded = fold(city)
    return any(m.city.country == country.upper() for m in gazetteer().find(folded))


def _region(country: str, city: str, lat: float | None, lon: float | None) -> str:
    """`region_of`, asked by city alone when the gazetteer knows the city (region_of then
    answers from the city and never looks at the point): its cache holds one entry per city,
    where with each incident's own point it missed every time (5 ms a lookup, hours on a
    million incidents)."""
    if city and country and _known_city(country, city):
        return region_of(country, city)
    return region_of(country, city, lat, lon)


def iter_facts(
    session: Session,
    *,
    statuses: Sequence[str] = COUNTED,
    filters: IncidentFilters | None = None,
    org_ids: Sequence[int] | None = None,
    target_kinds: Sequence[str] = (),
) -> Iterator[Fact]:
    """The facts of the counted incidents the arguments select (incidents.counted)."""
    for row in counted_incidents(
        session, statuses=statuses, filters=filters, org_ids=org_ids, target_kinds=target_kinds
    ):
        yield Fact(
            incident_id=row.id,
            org_id=row.owner_org_id,
            day=local_day(row.occurred_from, row.timezone),
            status=row.status,
            type=row.type,
            target_kind=row.target_kind,
            country=row.country,
            region=_region(row.country, row.city, row.lat, row.lon),
            city=row.city,
            source=row.source,
            tlp=row.tlp,
            injuries=row.injuries,
            bias=tuple(sorted(row.codes.get("bias", ()))) or (UNSPECIFIED,),
            ihra=tuple(sorted(row.codes.get("ihra", ()))) or (UNSPECIFIED,),
        )


def in_period(facts: Iterable[Fact], start: dt.date | None, end: dt.date | None) -> Iterator[Fact]:
    """The facts whose local date is in [start, end) (either bound may be open)."""
    for fact in facts:
        if (start is None or fact.day >= start) and (end is None or fact.day < end):
            yield fact
