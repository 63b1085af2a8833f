"""Published annual reports as anyone reads them: the content publishing froze, found by the
organisation and the report's slug (its stable URL), or the organisation's latest (the widget).
A draft, or a report taken down, is not found."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.errors import NotFound
from vigil.reports.models import AnnualReport


def published_report(*, session: Session, org_id: int, slug: str) -> dict[str, Any]:
    """The frozen content of a published report (anyone may read it: it is TLP:CLEAR)."""
    report = session.scalar(
        select(AnnualReport).where(
            AnnualReport.owner_org_id == org_id,
            AnnualReport.slug == slug,
            AnnualReport.status == "published",
        )
    )
    if report is None or not report.published_figures:
        raise NotFound("No published report here.")
    return dict(json.loads(report.published_figures)) | {
        "slug": report.slug,
        "published_at": report.published_at,
    }


def latest_published(*, session: Session, org_id: int) -> dict[str, Any]:
    """The organisation's most recent published report (the widget shows its headline)."""
    slug = session.scalar(
        select(AnnualReport.slug)
        .where(AnnualReport.owner_org_id == org_id, AnnualReport.status == "published")
        .order_by(AnnualReport.period_end.desc(), AnnualReport.published_at.desc())
        .limit(1)
    )
    if slug is None:
        raise NotFound("This organisation has published no report yet.")
    return published_report(session=session, org_id=org_id, slug=slug)
