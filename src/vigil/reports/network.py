"""A network's figures for a member (DOMAIN.md counting rule 7, DECISIONS 7 and 34): every
counted incident of every member organisation, RED included, as totals only, with the small
figures the viewer could not read record by record suppressed so that no published combination
recovers them.

What the viewer already knows bounds each base cell from below: their own organisations'
figures where they hold the analyst role or above (rule 6), and the incidents of the network
they may read record by record. Nothing here returns an incident's id, title or place.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.errors import Invalid, NotFound
from vigil.core.policy import Principal, Role
from vigil.incidents.queries import FIRST_YEAR, LAST_YEAR, filtered
from vigil.orgs.directory import network_member_ids
from vigil.orgs.service import acting_networks
from vigil.reports.counting import Dim, FigureFilters, basis_of, counts, iter_matching
from vigil.reports.facts import COUNTED, Fact, month_of, next_month
from vigil.reports.figures import Freshness, freshness
from vigil.reports.network_tables import Key, Shown, Tables, build_tables, shown
from vigil.reports.suppression import Protected, protect

COUNTED_BY: tuple[Dim, ...] = ("month", "type", "country")


@dataclass(frozen=True, slots=True)
class NetworkFigures:
    """The published figures of a network for one viewer."""

    network_id: int
    network_name: str
    start: dt.date
    end: dt.date
    tables: Tables
    protected: Protected
    freshness: Freshness

    def figure(self, *key: str) -> Shown:
        return shown(self.tables, self.protected, key)

    def has(self, *key: str) -> bool:
        return key in self.tables.index


def period(filters: FigureFilters, today: dt.date) -> tuple[dt.date, dt.date]:
    """A calendar year (by default the one holding the last whole month), up to the current
    month in the current year.

    Periods of one calendar year never overlap: two published tables over overlapping periods
    would give away, subtracted from each other, a small figure each of them hides."""
    this_month = today.replace(day=1)
    start = filters.start or dt.date((this_month - dt.timedelta(days=1)).year, 1, 1)
    if (start.month, start.day) != (1, 1):
        raise Invalid("start", "network figures cover a calendar year: start on 1 January")
    if not FIRST_YEAR < start.year < LAST_YEAR:
        raise Invalid(
            "start",
            "enter a year between %(first)s and %(last)s",
            first=FIRST_YEAR + 1,
            last=LAST_YEAR - 1,
        )
    end = min(dt.date(start.year + 1, 1, 1), this_month)
    if end <= start:
        raise Invalid("start", "this year has no whole month yet")
    if filters.end and filters.end != end:
        raise Invalid(
            "end", "the figures of %(year)s end on %(end)s", year=start.year, end=end.isoformat()
        )
    return start, end


def years_offered(today: dt.date, count: int = 5) -> list[int]:
    """The years a member may choose, newest first (the current one once a month is whole)."""
    newest = (today.replace(day=1) - dt.timedelta(days=1)).year
    return list(range(newest, newest - count, -1))


def months_between(start: dt.date, end: dt.date) -> list[str]:
    months: list[str] = []
    day = start.replace(day=1)
    while day < end:
        months.append(month_of(day))
        day = next_month(day)
    return months


def network_name(*, session: Session, principal: Principal, network_id: int) -> str:
    """The network's name when the acting organisation belongs to it, else NotFound."""
    for found, name in acting_networks(session, principal):
        if found == network_id:
            return name
    raise NotFound("No such network among your organisation's networks.")


def network_figures(
    *, session: Session, principal: Principal, network_id: int, filters: FigureFilters
) -> NetworkFigures:
    """The network's tables for a calendar year (`period`), suppressed for this viewer."""
    name = network_name(session=session, principal=principal, network_id=network_id)
    # Only the period: counts under a word or a town would tell what unreadable incidents say
    # or where they happened ("fewer than 5" is not 0), and a table narrowed to one type (or
    # one status, one country...) protected on its own gives away what the full table hides,
    # subtracted from it.
    narrowed = sorted(set(filters.model_fields_set) - {"start", "end"})
    narrowed = [name for name in narrowed if getattr(filters, name)]
    if narrowed:
        raise Invalid(narrowed[0], "network figures can be chosen by period only")
    start, end = period(filters, dt.datetime.now(dt.UTC).date())
    months = months_between(start, end)
    filters = filters.model_copy(update={"start": start, "end": end})
    members = sorted(network_member_ids(session=session, network_ids=[network_id]))
    own = [o for o in members if principal.has_role(o, Role.analyst)]
    others = [o for o in members if o not in own]
    everything = counts(session=session, org_ids=members, filters=filters, by=COUNTED_BY)
    codes = counts(session=session, org_ids=members, filters=filters, by=("bias",))
    known: Counter[Key] = Counter(
        counts(session=session, org_ids=own, filters=filters, by=COUNTED_BY)
    )
    code_known: Counter[Key] = Counter(
        counts(session=session, org_ids=own, filters=filters, by=("bias",))
    )
    for fact in _readable_facts(session, principal, others, filters):
        known[(fact.month, fact.type, fact.country)] += 1
        for code in fact.bias:
            code_known[(code,)] += 1
    tables = build_tables(
        months=months, counts=everything, known=known, code_counts=codes, code_known=code_known
    )
    return NetworkFigures(
        network_id=network_id,
        network_name=name,
        start=start,
        end=end,
        tables=tables,
        protected=protect(tables.system),
        freshness=freshness(session),
    )


def _readable_facts(
    session: Session, principal: Principal, org_ids: list[int], filters: FigureFilters
) -> Iterable[Fact]:
    """The facts of these organisations' counted incidents the viewer may read record by
    record (the access policy's scoped list, counted like the figures)."""
    if not org_ids:
        return
    readable = filtered(filters.incident_filters(), principal).subquery()
    ids = set(session.scalars(select(readable.c.id).where(readable.c.owner_org_id.in_(org_ids))))
    if not ids:
        return
    statuses = basis_of(filters, COUNTED)
    for fact in iter_matching(session, org_ids, filters, statuses):
        if fact.incident_id in ids:
            yield fact
