"""Expanding repeating events into occurrences: weekly on the local wall clock across a
daylight-saving change, yearly on 29 February, one-off events, and events under way."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from vigil.sites.calendar import expand
from vigil.sites.models import SiteEvent

BERLIN = ZoneInfo("Europe/Berlin")


def event(
    start: dt.datetime, hours: float, recurrence: str, zone: str = "Europe/Berlin"
) -> SiteEvent:
    start = start.astimezone(dt.UTC)
    return SiteEvent(
        id=1,
        site_id=7,
        name="Friday evening service",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        timezone=zone,
        recurrence=recurrence,
        expected_attendance=300,
    )


def test_weekly_event_stays_at_local_time_across_daylight_saving() -> None:
    first = dt.datetime(2026, 3, 13, 18, 0, tzinfo=BERLIN)  # a Friday in winter time
    window = (dt.datetime(2026, 3, 20, tzinfo=dt.UTC), dt.datetime(2026, 4, 4, tzinfo=dt.UTC))
    found = expand(event(first, 2, "weekly"), *window)

    local = [o.starts_at.astimezone(BERLIN) for o in found]
    assert [d.date() for d in local] == [
        dt.date(2026, 3, 20),
        dt.date(2026, 3, 27),
        dt.date(2026, 4, 3),
    ]
    assert {d.hour for d in local} == {18}
    # Summer time begins on 29 March: the same 18:00 is an hour earlier in UTC.
    assert [o.starts_at.hour for o in found] == [17, 17, 16]
    assert all(o.ends_at - o.starts_at == dt.timedelta(hours=2) for o in found)


def test_weekly_event_far_in_the_past_expands_only_the_window() -> None:
    first = dt.datetime(2016, 1, 1, 18, 0, tzinfo=BERLIN)
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    found = expand(event(first, 1, "weekly"), start, start + dt.timedelta(days=28))
    assert len(found) == 4
    assert all(o.starts_at.astimezone(BERLIN).weekday() == first.weekday() for o in found)


def test_an_occurrence_under_way_counts_and_nothing_before_the_first() -> None:
    first = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)
    ongoing = expand(
        event(first, 3, "none", "UTC"), first + dt.timedelta(hours=1), first + dt.timedelta(days=1)
    )
    assert len(ongoing) == 1
    assert (
        expand(
            event(first, 3, "weekly", "UTC"),
            first - dt.timedelta(days=30),
            first - dt.timedelta(days=1),
        )
        == []
    )
    assert (
        expand(
            event(first, 3, "none", "UTC"),
            first + dt.timedelta(hours=4),
            first + dt.timedelta(days=1),
        )
        == []
    )


def test_yearly_event_on_29_february_falls_on_28_february_in_common_years() -> None:
    first = dt.datetime(2024, 2, 29, 9, 0, tzinfo=dt.UTC)
    found = expand(
        event(first, 8, "yearly", "UTC"),
        dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2029, 1, 1, tzinfo=dt.UTC),
    )
    assert [o.starts_at.date() for o in found] == [
        dt.date(2025, 2, 28), dt.date(2026, 2, 28), dt.date(2027, 2, 28), dt.date(2028, 2, 29),
    ]  # fmt: skip
