"""A site's calendar of high-attendance events (weekly services, holidays, match days) and the
expansion of repeating events into the occurrences of a time window.

Repeats are computed in the event's own time zone, on the wall clock: a service every Friday at
18:00 in Berlin is at 18:00 in summer and in winter. A yearly event on 29 February falls on 28
February in other years.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.errors import Invalid
from vigil.core.forms import zone_or_utc
from vigil.core.policy import Principal
from vigil.sites.access import get_site, require_editor
from vigil.sites.kinds import Recurrence
from vigil.sites.models import SiteEvent
from vigil.sites.schemas import EventCreate, EventRead, Occurrence

WEEK = dt.timedelta(weeks=1)
MAX_WINDOW_DAYS = 3660


def _occurrence(event: SiteEvent, starts_at: dt.datetime) -> Occurrence:
    return Occurrence(
        event_id=event.id,
        site_id=event.site_id,
        name=event.name,
        starts_at=starts_at,
        ends_at=starts_at + (event.ends_at - event.starts_at),
        recurrence=Recurrence(event.recurrence),
        expected_attendance=event.expected_attendance,
    )


def _on_wall_clock(local: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def _yearly(local: dt.datetime, year: int) -> dt.datetime:
    try:
        return local.replace(year=year)
    except ValueError:  # 29 February in a common year
        return local.replace(year=year, day=28)


def expand(event: SiteEvent, start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """Occurrences of the event that overlap [start, end), earliest first."""
    duration = event.ends_at - event.starts_at
    zone = zone_or_utc(event.timezone)
    local = event.starts_at.astimezone(zone).replace(tzinfo=None)
    starts: list[dt.datetime] = []
    if event.recurrence == Recurrence.weekly.value:
        # Skip the weeks that ended before the window; one week earlier covers a DST shift.
        weeks = math.floor((start - duration - event.starts_at) / WEEK) - 1
        k = max(0, weeks)
        while (moment := _on_wall_clock(local + k * WEEK, zone)) < end:
            starts.append(moment)
            k += 1
    elif event.recurrence == Recurrence.yearly.value:
        for year in range(max(local.year, start.year - 1), end.year + 1):
            starts.append(_on_wall_clock(_yearly(local, year), zone))
    else:
        starts.append(event.starts_at)
    return [_occurrence(event, s) for s in starts if s < end and s + duration > start]


def add_event(
    *, session: Session, principal: Principal, site_id: int, data: EventCreate
) -> SiteEvent:
    site = get_site(session=session, principal=principal, site_id=site_id)
    require_editor(principal, site)
    event = SiteEvent(
        site_id=site.id,
        name=data.name,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        timezone=data.timezone,
        recurrence=data.recurrence.value,
        expected_attendance=data.expected_attendance,
    )
    session.add(event)
    session.flush()
    audit.log_action(
        session,
        principal,
        "site.event_add",
        target_type="sites",
        target_id=site.id,
        org_id=site.owner_org_id,
        detail={"event_id": event.id, "recurrence": event.recurrence},
    )
    return event


def event_read(event: SiteEvent) -> EventRead:
    return EventRead(
        id=event.id,
        site_id=event.site_id,
        name=event.name,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        recurrence=Recurrence(event.recurrence),
        expected_attendance=event.expected_attendance,
    )


def list_events(*, session: Session, principal: Principal, site_id: int) -> list[EventRead]:
    """The calendar of a site the principal may read, as entered (repeats not expanded)."""
    site = get_site(session=session, principal=principal, site_id=site_id)
    stmt = select(SiteEvent).where(SiteEvent.site_id == site.id).order_by(SiteEvent.starts_at)
    return [event_read(e) for e in session.scalars(stmt)]


def upcoming_by_site(
    *, session: Session, site_ids: list[int], now: dt.datetime, days: int
) -> dict[int, list[Occurrence]]:
    """Occurrences within `days` of `now` (those under way included) of many sites, earliest
    first, from one query. System use: callers have checked that the sites may be read."""
    if not 0 <= days <= MAX_WINDOW_DAYS:
        raise Invalid("days", "must be between 0 and %(most)s", most=MAX_WINDOW_DAYS)
    end = now + dt.timedelta(days=days)
    found: dict[int, list[Occurrence]] = {site_id: [] for site_id in site_ids}
    if not site_ids:
        return found
    stmt = select(SiteEvent).where(
        SiteEvent.site_id.in_(set(site_ids)),
        SiteEvent.starts_at < end,
        (SiteEvent.recurrence != Recurrence.none.value) | (SiteEvent.ends_at > now),
    )
    for event in session.scalars(stmt):
        found[event.site_id].extend(expand(event, now, end))
    for occurrences in found.values():
        occurrences.sort(key=lambda o: (o.starts_at, o.event_id))
    return found


def upcoming_events(
    *, session: Session, site_id: int, now: dt.datetime, days: int
) -> list[Occurrence]:
    """One site's occurrences within `days` of `now`, earliest first."""
    return upcoming_by_site(session=session, site_ids=[site_id], now=now, days=days)[site_id]
