"""The measures a site is to take: written from a completed assessment's prioritised measures,
or added by hand and by after-action reviews (DECISIONS 9); the next assessment starts from the
open ones. They say where a site is weak, so they are read like the assessment they came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from vigil.assessments.models import Assessment, MeasureStatus, SiteMeasure
from vigil.assessments.schemas import MeasureCreate
from vigil.assessments.scoring import AssessmentScore
from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, NotFound
from vigil.core.policy import Principal, Role, scope
from vigil.orgs import cost_bands
from vigil.orgs.schemas import CostBandsRead
from vigil.sites import directory as sites_directory
from vigil.sites import service as sites_service

if TYPE_CHECKING:
    from vigil.sites.models import Site


def write_measures(
    session: Session, principal: Principal, assessment: Assessment, score: AssessmentScore
) -> None:
    for m in score.measures:
        session.add(
            SiteMeasure(
                site_id=assessment.site_id,
                assessment_id=assessment.id,
                measure_code=m.measure_id,
                text=m.text,
                cost=m.cost,
                effort=m.effort,
                horizon=m.timeframe,
                priority=float(m.priority.value),
                source="assessment",
                created_by=principal.person_id,
            )
        )


def statuses_of(session: Session, assessment_id: int) -> dict[str, str]:
    """Where the site is with each measure its assessment wrote (open, planned, done), by
    measure code; for an assessment its reader may already read."""
    rows = session.execute(
        select(SiteMeasure.measure_code, SiteMeasure.status).where(
            SiteMeasure.assessment_id == assessment_id, SiteMeasure.measure_code.is_not(None)
        )
    )
    return {str(code): str(status) for code, status in rows}


def cost_bands_of_site(session: Session, site_id: int) -> CostBandsRead:
    """The money bands of the site's organisation, for a site its reader may read."""
    site = sites_directory.find_site(session=session, site_id=site_id)
    assert site is not None  # noqa: S101 - the caller read the site
    return cost_bands.bands_of(session, site.owner_org_id)


def site_measures(*, session: Session, principal: Principal, site_id: int) -> list[SiteMeasure]:
    """A site's measures, most urgent first: they say where the site is weak, so they are
    read with the assessment they came from, or, for the rest, by the site's organisation."""
    site = sites_service.get_site(session=session, principal=principal, site_id=site_id)
    stmt = select(SiteMeasure).where(SiteMeasure.site_id == site_id, _readable(principal, site))
    order = (SiteMeasure.status, SiteMeasure.priority.desc(), SiteMeasure.id)
    return list(session.scalars(stmt.order_by(*order)))


def _readable(principal: Principal, site: Site) -> ColumnElement[bool]:
    """Measures of a readable assessment; the others only for the site's own organisation."""
    of_readable = SiteMeasure.assessment_id.in_(scope(select(Assessment.id), Assessment, principal))
    if site.owner_org_id in principal.org_ids:
        return of_readable | SiteMeasure.assessment_id.is_(None)
    return of_readable


def add_measure(
    *,
    session: Session,
    principal: Principal,
    site_id: int,
    data: MeasureCreate,
    source: str = "manual",
) -> SiteMeasure:
    """A measure the site decides on outside an assessment, e.g. an after-action review's action
    (DECISIONS 9); the site's next assessment shows it among the open measures."""
    site = sites_service.get_site(session=session, principal=principal, site_id=site_id)
    if not principal.has_role(site.owner_org_id, Role.analyst):
        raise Forbidden("Only analysts or coordinators of the site's organisation add measures.")
    measure = SiteMeasure(
        site_id=site.id,
        text=data.text,
        cost=data.cost,
        effort=data.effort,
        horizon=data.horizon,
        source=source,
        created_by=principal.person_id,
    )
    session.add(measure)
    session.flush()
    audit.log_action(
        session,
        principal,
        "measure.add",
        target_type="site_measures",
        target_id=measure.id,
        org_id=site.owner_org_id,
        detail={"site_id": site.id, "source": source},
    )
    return measure


def set_measure_status(
    *, session: Session, principal: Principal, measure_id: int, status: MeasureStatus
) -> SiteMeasure:
    measure = session.get(SiteMeasure, measure_id)
    site = (
        None
        if measure is None
        else sites_directory.find_site(session=session, site_id=measure.site_id)
    )
    readable = site is not None and session.scalar(
        sites_service.readable_site(principal=principal, site_id=site.id).where(
            select(SiteMeasure.id)
            .where(SiteMeasure.id == measure_id, _readable(principal, site))
            .exists()
        )
    )
    if measure is None or site is None or not readable:
        raise NotFound("No such measure, or it is not shared with you.")
    if not principal.has_role(site.owner_org_id, Role.analyst):
        raise Forbidden("Only analysts or coordinators of the site's organisation update measures.")
    measure.status = status.value
    measure.updated_at = utcnow()
    audit.log_action(
        session,
        principal,
        "measure.status",
        target_type="site_measures",
        target_id=measure.id,
        org_id=site.owner_org_id,
        detail={"status": status.value},
    )
    return measure
