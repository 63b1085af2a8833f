"""The statistics page's figures: the acting organisation's own counts over time, by category
and by place, and against the same period a year before, under the incident list's filters.

DOMAIN.md counting rule 6: an organisation's analysts, coordinators and admins see all its
counts, whatever the incidents' markings (a count, not a read); nobody else sees them here.
Every row keeps what the counting rules keep: "unspecified" is a row of its own (rule 4), and
the codes of one incident count under each (the bias and IHRA tables exceed the total).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from vigil.core.errors import N_, Forbidden, Invalid
from vigil.core.policy import Principal, Role
from vigil.incidents.typology import IHRA_INDICATORS, Bias, IncidentType, TargetKind
from vigil.orgs import service as orgs_service
from vigil.reports.counting import (
    Dim,
    FigureFilters,
    basis_of,
    counts,
    facts_counts,
    from_cells,
    iter_matching,
)
from vigil.reports.facts import COUNTED, Fact, next_month
from vigil.reports.figures import Freshness, freshness
from vigil.reports.models import UNSPECIFIED

Grain = Literal["week", "month", "year"]
GRAINS: tuple[Grain, ...] = ("week", "month", "year")
TOO_MANY_BUCKETS: dict[Grain, str] = {
    "week": N_(
        "the period has more than %(count)s weeks: choose a longer step or a shorter period"
    ),
    "month": N_(
        "the period has more than %(count)s months: choose a longer step or a shorter period"
    ),
    "year": N_(
        "the period has more than %(count)s years: choose a longer step or a shorter period"
    ),
}
OTHER = "other"  # the places beyond the largest (a code's own "other" is a row of codes)
PLACE_DIMS = ("country", "region", "city")
TOP_PLACES = 10
DEFAULT_MONTHS = 12
MAX_BUCKETS = 270  # about five years of weeks: more columns than a chart can show
# The charts, in page order; each name is also its CSV's address.
CHARTS = (
    "over-time",
    "year-over-year",
    "type",
    "bias",
    "ihra",
    "target-kind",
    "country",
    "region",
    "city",
)


@dataclass(frozen=True)
class Row:
    """One row of a chart and its table: its key (a period, a code, or country and place; a
    one-part key `unspecified` or `other` for those rows), one count per series, and the
    incident list's query showing those incidents when the list has such a filter."""

    key: tuple[str, ...]
    values: tuple[int, ...]
    link: str | None = None


@dataclass(frozen=True)
class Chart:
    name: str
    dim: str  # what a row's key is: a grain, a dimension, or "region" (country, region)
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class StatisticsView:
    org_id: int
    grain: Grain
    start: dt.date
    end: dt.date  # the day after the period
    before: tuple[dt.date, dt.date]  # the same period a year earlier
    total: int
    total_before: int
    charts: dict[str, Chart]
    regions: dict[tuple[str, str], int]  # (country, region) -> count, for a map
    freshness: Freshness
    networks: list[tuple[int, str]]  # (id, name) of the networks the organisation is in
    linked: bool  # whether rows link to the incident list (it has every filter in use)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def own_org(principal: Principal) -> int:
    """The acting organisation, when the principal may see its figures (counting rule 6)."""
    org_id = principal.acting_org_id
    if org_id is None:
        raise Forbidden("Choose the organisation you act for: the statistics show its figures.")
    if not principal.has_role(org_id, Role.analyst):
        raise Forbidden(
            "Your organisation's statistics are for its analysts, coordinators and admins; "
            "ask a coordinator for the analyst role."
        )
    return org_id


def _months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _year_before(day: dt.date) -> dt.date:
    return day.replace(year=day.year - 1, day=28 if (day.month, day.day) == (2, 29) else day.day)


def period_of(filters: FigureFilters, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period counted: the filters' dates, else the last twelve months, whole months (the
    current one included)."""
    if filters.start:
        start = filters.start
    elif filters.end:
        start = _months_before(filters.end - dt.timedelta(days=1), DEFAULT_MONTHS - 1)
    else:
        start = _months_before(today, DEFAULT_MONTHS - 1)
    end = filters.end or max(next_month(today), next_month(start))
    return start, end


def bucket_key(day: dt.date, grain: Grain) -> str:
    """The key of the bucket holding `day`, as `counts` writes it."""
    if grain == "year":
        return f"{day.year:04d}"
    if grain == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _next_bucket(day: dt.date, grain: Grain) -> dt.date:
    if grain == "year":
        return dt.date(day.year + 1, 1, 1)
    if grain == "month":
        return next_month(day)
    return day + dt.timedelta(days=7 - day.weekday())


def buckets(start: dt.date, end: dt.date, grain: Grain) -> list[tuple[str, dt.date, dt.date]]:
    """Every bucket the period touches, in order: (key, first day, day after), clipped to the
    period, so empty ones are drawn as zero."""
    found: list[tuple[str, dt.date, dt.date]] = []
    day = start
    while day < end:
        after = min(_next_bucket(day, grain), end)
        found.append((bucket_key(day, grain), day, after))
        if len(found) > MAX_BUCKETS:
            raise Invalid("grain", TOO_MANY_BUCKETS[grain], count=MAX_BUCKETS)
        day = after
    return found


def _list_query(
    filters: FigureFilters, start: dt.date, end: dt.date, **override: str | list[str]
) -> str:
    """The incident list's query for these filters and period (its `to` is the last day)."""
    params: dict[str, str | list[str]] = {
        "from": start.isoformat(),
        "to": (end - dt.timedelta(days=1)).isoformat(),
        "type": [t.value for t in filters.type],
        "bias": [b.value for b in filters.bias],
        "status": [s.value for s in filters.status],
        "source": [s.value for s in filters.source],
        "tlp": [t.value for t in filters.tlp],
        "country": filters.country or "",
        "city": filters.city or "",
        "q": filters.q or "",
    }
    params.update(override)
    return urlencode([(k, v) for k, v in params.items() if v], doseq=True)


def _code_rows(
    found: Mapping[tuple[str, ...], int], codes: Sequence[str], *, unspecified: bool = True
) -> list[tuple[tuple[str, ...], int]]:
    """Every code in its own order, zeros included, then `unspecified` (stored as it or "")."""
    rows: list[tuple[tuple[str, ...], int]] = [((c,), found.get((c,), 0)) for c in codes]
    if unspecified:
        missing = found.get((UNSPECIFIED,), 0) + found.get(("",), 0)
        rows.append(((UNSPECIFIED,), missing))
    return rows


def _top_rows(found: Mapping[tuple[str, ...], int]) -> list[tuple[tuple[str, ...], int]]:
    """The largest places, then the rest as `other`, then those with no such place."""
    known = sorted(
        ((k, n) for k, n in found.items() if k[-1] and k[-1] != UNSPECIFIED),
        key=lambda item: (-item[1], item[0]),
    )
    missing = sum(n for k, n in found.items() if not k[-1] or k[-1] == UNSPECIFIED)
    rows = known[:TOP_PLACES]
    rest = sum(n for _, n in known[TOP_PLACES:])
    if rest:
        rows.append(((OTHER,), rest))
    rows.append(((UNSPECIFIED,), missing))
    return rows


def _row_link(
    filters: FigureFilters, start: dt.date, end: dt.date, dim: str, key: tuple[str, ...]
) -> str | None:
    """Where the incident list shows a category's incidents (it filters by type, bias,
    country and city; not by IHRA indicator, target kind or region)."""
    if key == (UNSPECIFIED,) or (key == (OTHER,) and dim in PLACE_DIMS):
        return None
    if dim in ("type", "bias"):
        return _list_query(filters, start, end, **{dim: [key[0]]})
    if dim == "country":
        return _list_query(filters, start, end, country=key[0])
    if dim == "city" and key[0]:
        return _list_query(filters, start, end, country=key[0], city=key[1])
    return None


_BREAKDOWNS: tuple[tuple[str, tuple[Dim, ...]], ...] = (
    ("type", ("type",)),
    ("bias", ("bias",)),
    ("ihra", ("ihra",)),
    ("target-kind", ("target_kind",)),
    ("country", ("country",)),
    ("region", ("country", "region")),
    ("city", ("country", "city")),
)
_CODES: dict[str, Sequence[str]] = {
    "type": [t.value for t in IncidentType],
    "bias": [b.value for b in Bias],
    "ihra": list(IHRA_INDICATORS),
    "target-kind": [k.value for k in TargetKind],
}


def statistics_view(
    *,
    session: Session,
    principal: Principal,
    filters: FigureFilters,
    grain: Grain = "month",
    today: dt.date | None = None,
) -> StatisticsView:
    """The acting organisation's figures for the period and filters, by `grain` over time."""
    org_id = own_org(principal)
    if grain not in GRAINS:
        raise Invalid("grain", "choose week, month or year")
    start, end = period_of(filters, today or dt.datetime.now(dt.UTC).date())
    steps = buckets(start, end, grain)
    before = (_year_before(start), _year_before(end))
    this = filters.model_copy(update={"start": start, "end": end})
    earlier = filters.model_copy(update={"start": before[0], "end": before[1]})
    # The counts the cells cannot answer (weeks, days within a month, words) come from the
    # incidents: read once per period, then counted for every chart.
    read: dict[int, list[Fact]] = {}

    def count(which: FigureFilters, by: Sequence[Dim]) -> dict[tuple[str, ...], int]:
        if from_cells(which, by):
            return counts(session=session, org_ids=[org_id], filters=which, by=by, basis=COUNTED)
        if id(which) not in read:
            statuses = basis_of(which, COUNTED)
            read[id(which)] = list(iter_matching(session, [org_id], which, statuses))
        return facts_counts(iter(read[id(which)]), which, by)

    linked = not (filters.ihra or filters.target_kind or filters.region)
    over_time = count(this, (grain,))
    in_year_before = count(earlier, (grain,))
    charts = {
        "over-time": Chart(
            "over-time",
            grain,
            tuple(
                Row(
                    (key,),
                    (over_time.get((key,), 0),),
                    _list_query(filters, first, after) if linked else None,
                )
                for key, first, after in steps
            ),
        ),
        "year-over-year": Chart(
            "year-over-year",
            grain,
            tuple(
                Row((key,), (over_time.get((key,), 0), in_year_before.get((_shift(key),), 0)))
                for key, _, _ in steps
            ),
        ),
    }
    regions: dict[tuple[str, str], int] = {}
    for name, by in _BREAKDOWNS:
        found = count(this, by)
        if name == "region":
            regions = {(k[0], k[1]): n for k, n in found.items() if k[1] and k[1] != UNSPECIFIED}
        if name in _CODES:
            rows = _code_rows(found, _CODES[name], unspecified=name != "type")
        else:
            rows = _top_rows(found)
        charts[name] = Chart(
            name,
            by[-1] if name != "region" else "region",
            tuple(
                Row(key, (n,), _row_link(filters, start, end, name, key) if linked else None)
                for key, n in rows
            ),
        )
    return StatisticsView(
        org_id=org_id,
        grain=grain,
        start=start,
        end=end,
        before=before,
        total=count(this, ()).get((), 0),
        total_before=count(earlier, ()).get((), 0),
        charts=charts,
        regions=regions,
        freshness=freshness(session),
        networks=orgs_service.acting_networks(session, principal),
        linked=linked,
    )


def _shift(key: str) -> str:
    """The same bucket a year earlier: 2026-03 -> 2025-03, 2026-W10 -> 2025-W10, 2026 -> 2025."""
    return f"{int(key[:4]) - 1:04d}{key[4:]}"
