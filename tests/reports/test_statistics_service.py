"""The statistics service: the figures equal what the incidents give (the stored cells answer
the page; the incidents, recounted one by one, must agree), the local month decides (rule 3),
the period and buckets, and who may see an organisation's figures (rule 6)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person
from tests.reports.statistics_world import add_incident, at, months_before, principal_of
from vigil.core.config import Settings
from vigil.core.errors import Forbidden, Invalid
from vigil.core.policy import Role
from vigil.incidents.schemas import Place
from vigil.incidents.typology import Bias, IncidentType, TargetKind
from vigil.reports.counting import FigureFilters
from vigil.reports.facts import iter_facts
from vigil.reports.figures import refresh_figures
from vigil.reports.statistics import Chart, buckets, period_of, statistics_view


def test_every_chart_equals_the_incidents_counted_one_by_one(
    session: Session, settings: Settings
) -> None:
    org = make_org(session)
    principal = principal_of(
        session, make_person(session, settings, org=org, role=Role.coordinator).id
    )
    today = dt.datetime.now(dt.UTC).date()
    places = [("DE", "Berlin"), ("DE", "Hamburg"), ("AT", "Wien"), ("", "")]
    for n in range(14):
        country, city = places[n % len(places)]
        add_incident(
            session, settings, principal,
            occurred_from=at(months_before(today, 1 + n % 11) + dt.timedelta(days=n)),
            type=list(IncidentType)[n % 5],
            bias=[list(Bias)[n % 3]] if n % 4 else [],
            target_kind=list(TargetKind)[n % 4] if n % 3 else None,
            place=Place(country=country, city=city),
        )  # fmt: skip
    session.flush()
    refresh_figures(session)

    view = statistics_view(session=session, principal=principal, filters=FigureFilters())

    facts = [f for f in iter_facts(session, org_ids=[org.id]) if view.start <= f.day < view.end]
    assert view.total == len(facts) == 14
    months = Counter(f.month for f in facts)
    assert {r.key[0]: r.values[0] for r in view.charts["over-time"].rows} == {
        r.key[0]: months.get(r.key[0], 0) for r in view.charts["over-time"].rows
    }
    assert sum(months.values()) == sum(r.values[0] for r in view.charts["over-time"].rows)
    for chart, attribute in (("type", "type"), ("target-kind", "target_kind")):
        expected = Counter(getattr(f, attribute) or "unspecified" for f in facts)
        shown = {r.key[0]: r.values[0] for r in view.charts[chart].rows if r.values[0]}
        assert shown == dict(expected), chart
    biases = Counter(code for f in facts for code in f.bias)
    assert {r.key[0]: r.values[0] for r in view.charts["bias"].rows if r.values[0]} == biases
    cities = Counter((f.country, f.city) for f in facts if f.city)
    shown_cities = {r.key: r.values[0] for r in view.charts["city"].rows}
    assert {(k[0], k[1]): n for k, n in shown_cities.items() if len(k) == 2} == cities
    assert shown_cities[("unspecified",)] == sum(1 for f in facts if not f.city)
    # Words in the filter (every title has this one) are counted from the incidents: the same.
    worded = statistics_view(
        session=session, principal=principal, filters=FigureFilters(q="figures")
    )
    assert worded.total == view.total

    def numbers(
        charts: dict[str, Chart],
    ) -> dict[str, list[tuple[tuple[str, ...], tuple[int, ...]]]]:
        return {name: [(r.key, r.values) for r in chart.rows] for name, chart in charts.items()}

    assert numbers(worded.charts) == numbers(view.charts)


def test_an_incident_counts_in_the_month_of_its_own_time_zone(
    session: Session, settings: Settings
) -> None:
    org = make_org(session)
    principal = principal_of(session, make_person(session, settings, org=org, role=Role.analyst).id)
    coordinator = principal_of(
        session, make_person(session, settings, org=org, role=Role.coordinator).id
    )
    first = months_before(dt.datetime.now(dt.UTC).date(), 1)
    berlin = ZoneInfo("Europe/Berlin")
    moment = dt.datetime.combine(first, dt.time(0, 30), tzinfo=berlin)  # the day before, in UTC
    add_incident(
        session, settings, coordinator, occurred_from=moment, timezone="Europe/Berlin",
        type=IncidentType.threat,
    )  # fmt: skip
    session.flush()
    refresh_figures(session)

    view = statistics_view(session=session, principal=principal, filters=FigureFilters())

    counted = {r.key[0]: r.values[0] for r in view.charts["over-time"].rows if r.values[0]}
    assert counted == {f"{first:%Y-%m}": 1}


@pytest.mark.parametrize("role", [Role.viewer, Role.reporter])
def test_only_analysts_and_above_see_their_organisations_figures(
    session: Session, settings: Settings, role: Role
) -> None:
    org = make_org(session)
    principal = principal_of(session, make_person(session, settings, org=org, role=role).id)
    with pytest.raises(Forbidden, match="analysts, coordinators and admins"):
        statistics_view(session=session, principal=principal, filters=FigureFilters())


def test_the_default_period_is_the_last_twelve_whole_months() -> None:
    today = dt.date(2026, 3, 15)
    assert period_of(FigureFilters(), today) == (dt.date(2025, 4, 1), dt.date(2026, 4, 1))
    given = FigureFilters(end=dt.date(2025, 7, 1))
    assert period_of(given, today) == (dt.date(2024, 7, 1), dt.date(2025, 7, 1))
    assert period_of(FigureFilters(start=dt.date(2026, 1, 10)), today)[1] == dt.date(2026, 4, 1)


def test_buckets_cover_the_period_clipped_at_its_ends() -> None:
    weeks = buckets(dt.date(2025, 12, 24), dt.date(2026, 1, 8), "week")
    assert [k for k, _, _ in weeks] == ["2025-W52", "2026-W01", "2026-W02"]
    assert weeks[0][1] == dt.date(2025, 12, 24) and weeks[-1][2] == dt.date(2026, 1, 8)
    months = buckets(dt.date(2025, 11, 15), dt.date(2026, 2, 1), "month")
    assert [k for k, _, _ in months] == ["2025-11", "2025-12", "2026-01"]
    assert [k for k, _, _ in buckets(dt.date(2024, 6, 1), dt.date(2026, 2, 1), "year")] == [
        "2024",
        "2025",
        "2026",
    ]
    with pytest.raises(Invalid, match="choose a longer step"):
        buckets(dt.date(2000, 1, 1), dt.date(2026, 1, 1), "week")
