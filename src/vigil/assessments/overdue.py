"""What is overdue at an organisation's sites, for the dashboard: assessments older than their
methodology's review period, and measures not done past their timeframe. Each is one query over
the sites and assessments the reader may read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from vigil.assessments import versions
from vigil.assessments.models import Assessment, MeasureStatus, MethodologyVersion, SiteMeasure
from vigil.assessments.parameters import TIMEFRAME_DAYS
from vigil.core.db import utcnow
from vigil.core.policy import Principal, scope
from vigil.sites import service as sites_service
from vigil.sites.schemas import SiteFilters

DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class ReviewDue:
    site_id: int
    site_name: str
    assessment_id: int
    completed_at: dt.datetime
    due_at: dt.datetime


@dataclass(frozen=True)
class MeasureDue:
    site_id: int
    site_name: str
    text: str
    due_at: dt.datetime


def reviews_due(*, session: Session, principal: Principal, org_id: int) -> list[ReviewDue]:
    """The organisation's sites whose newest completed assessment the principal may read is
    older than its methodology's `review_months`, longest overdue first (the period is data in
    each methodology, so it is compared here, after the one query)."""
    newest = scope(
        select(func.max(Assessment.id))
        .where(Assessment.completed_at.is_not(None))
        .group_by(Assessment.site_id)
        .correlate(None),
        Assessment,
        principal,
    )
    names = sites_service.filtered(SiteFilters(), principal).subquery()
    stmt = (
        select(
            Assessment.id,
            Assessment.site_id,
            names.c.name,
            Assessment.completed_at,
            MethodologyVersion,
        )
        .join(names, names.c.id == Assessment.site_id)
        .join(MethodologyVersion, MethodologyVersion.id == Assessment.methodology_version_id)
        .where(Assessment.id.in_(newest), names.c.owner_org_id == org_id)
    )
    now = utcnow()
    due = []
    for assessment_id, site_id, name, completed, version in session.execute(stmt):
        months = versions.methodology_of(version).scoring.review_months
        due_at = completed + dt.timedelta(days=months * DAYS_PER_MONTH)
        if due_at <= now:
            due.append(ReviewDue(site_id, name, assessment_id, completed, due_at))
    return sorted(due, key=lambda r: (r.due_at, r.site_id))


def measures_overdue(
    *, session: Session, principal: Principal, org_id: int, limit: int
) -> tuple[int, list[MeasureDue]]:
    """How many measures of the organisation's sites are not done past their timeframe, and
    the first few, oldest written first; those of a readable assessment or added at the site
    (its own organisation reads those)."""
    names = sites_service.filtered(SiteFilters(), principal).subquery()
    readable = SiteMeasure.assessment_id.in_(scope(select(Assessment.id), Assessment, principal))
    now = utcnow()
    days = case(
        *((SiteMeasure.horizon == code, n) for code, n in TIMEFRAME_DAYS.items()),
        else_=TIMEFRAME_DAYS["year"],
    )
    # Measures written before `now - days`: compared per timeframe, so the column stays bare.
    late = [
        (SiteMeasure.horizon == code) & (SiteMeasure.created_at < now - dt.timedelta(days=n))
        for code, n in TIMEFRAME_DAYS.items()
    ]
    stmt = (
        select(
            SiteMeasure.site_id,
            names.c.name,
            SiteMeasure.text,
            SiteMeasure.created_at,
            days,
            func.count().over(),
        )
        .join(names, names.c.id == SiteMeasure.site_id)
        .where(
            names.c.owner_org_id == org_id,
            SiteMeasure.status != MeasureStatus.done.value,
            readable | SiteMeasure.assessment_id.is_(None),
            or_(*late),
        )
        .order_by(SiteMeasure.created_at, SiteMeasure.id)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    found = [
        MeasureDue(site_id, name, text, created + dt.timedelta(days=int(n)))
        for site_id, name, text, created, n, _ in rows
    ]
    return (rows[0][-1] if rows else 0), found
