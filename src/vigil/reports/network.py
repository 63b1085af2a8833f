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

LONGEST = 36  # months a network's tables may cover: the suppression program grows with them
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


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve whole months before `today`'s."""
    end = today.replace(day=1)
    return end.replace(year=end.year - 1), end


def period(filters: FigureFilters, today: dt.date) -> tuple[dt.date, dt.date]:
    """The filters' period, completed: twelve months from a start, up to an end, or the last
    twelve whole months."""
    start, end = filters.start, filters.end
    if start and end:
        return start, end
    if start:
        return start, _years_from(start, 1)
    if end:
        return _years_from(end, -1), end
    return default_period(today)


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
    """The network's tables for the period (default: the last twelve whole months), suppressed
    for this viewer."""
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
    # Periods that differ by a few days would publish the few incidents between them.
    if start.day != 1 or end.day != 1:
        raise Invalid("start" if start.day != 1 else "end", "network figures cover whole months")
    if not (start.year > FIRST_YEAR and end.year < LAST_YEAR):
        raise Invalid("start", f"enter dates between {FIRST_YEAR + 1} and {LAST_YEAR - 1}")
    months = months_between(start, end)
    if len(months) > LONGEST:
        raise Invalid("end", f"a network's figures cover at most {LONGEST} months")
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
