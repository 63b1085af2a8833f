"""HTML pages of an assessment: a site's assessments (with the button to start one), the
overview of sections with their progress, completion and approval, the result with every
number explained, the report as a page and a PDF, and two assessments compared.

The form itself (a section at a time, each answer saved as it is given) is in form_pages.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.assessments import portfolio as portfolio_service
from vigil.assessments import reassess, reports, service, versions
from vigil.assessments.models import MethodologyVersion
from vigil.assessments.result_view import (
    Loaded,
    load,
    localised_result,
    marks_of,
    progress,
    questions_of,
    result_view,
)
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError
from vigil.core.localisation import locale_of
from vigil.core.pages import SignedInDep, Viewer, is_htmx, page_router, redirect, render, tr, undo
from vigil.core.policy import Principal, Role
from vigil.sites import service as sites_service

if TYPE_CHECKING:
    from vigil.sites.models import Site

router = page_router()
DONE = service.DONE_STATUSES


# -- a site's assessments -------------------------------------------------------------------


def applicable_versions(
    session: Session, principal: Principal, site_type: str
) -> list[MethodologyVersion]:
    """Published methodology versions made for this type of site, newest of each first."""
    return [
        v
        for v in versions.list_versions(session=session, principal=principal)
        if site_type in versions.methodology_of(v).applies_to
    ]


def site_assessment_rows(
    session: Session, principal: Principal, site: Site
) -> list[dict[str, Any]]:
    """The site's readable assessments, newest first, each with the one before it to compare."""
    found = service.site_assessments(session=session, principal=principal, site_id=site.id)
    titles = versions.titles(session, {a.methodology_version_id for a in found})
    rows: list[dict[str, Any]] = []
    for i, a in enumerate(found):
        result = service.result_of(a)
        older = (d for d in found[i + 1 :] if d.status in service.DONE_STATUSES)
        previous = next(older, None) if a.status in service.DONE_STATUSES else None
        rows.append(
            {
                "assessment": a,
                "methodology": titles.get(a.methodology_version_id, ("", 0)),
                "band": result["band"] if result else None,
                "risk": int(result["risk"]["risk"]["value"]) if result else None,
                "compare_with": previous.id if previous is not None else None,
            }
        )
    return rows


def weakest_scenarios(session: Session, rows: list[dict[str, Any]], locale: str) -> dict[str, Any]:
    """The weakest attack scenarios of the site's latest completed assessment, with what the
    page needs to say why (none before an assessment with scenarios is completed)."""
    latest = next((r["assessment"] for r in rows if r["assessment"].status in DONE), None)
    result = service.result_of(latest) if latest is not None else None
    if latest is None or result is None or not result.get("scenarios"):
        return {"scenarios": [], "scenario_lead_count": 0}
    _, methodology = service.methodology_of(session, latest)
    params = methodology.scoring.scenarios
    return {
        "scenarios": localised_result(result, methodology, locale)["scenarios"],
        "scenario_lead_count": params.lead if params is not None else 0,
        "scenario_assessment": latest,
        "questions": questions_of(methodology),
    }


def _site_context(
    session: Session, viewer: Viewer, site_id: int, locale: str = "en"
) -> dict[str, Any]:
    principal = viewer.principal
    site = sites_service.get_site(session=session, principal=principal, site_id=site_id)
    may_start = principal.has_role(site.owner_org_id, Role.reporter)
    offered = applicable_versions(session, principal, site.type) if may_start else []
    rows = site_assessment_rows(session, principal, site)
    return weakest_scenarios(session, rows, locale) | {
        "site": site,
        "rows": rows,
        "may_start": may_start,
        "methodologies": offered,
        "methodology_titles": {v.id: versions.methodology_of(v).title for v in offered},
        "reassess": reassess.offer(session=session, principal=principal, site_id=site.id)
        if may_start
        else None,
    }


@router.get("/sites/{site_id:int}/assessments")
def site_assessments_page(
    request: Request, site_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """A site's assessments over time (a fragment on the site's page, a page without JS)."""
    context = _site_context(session, viewer, site_id, locale_of(request))
    template = "assessments/_site_list.html" if is_htmx(request) else "assessments/site.html"
    return render(request, template, context)


@router.post("/sites/{site_id:int}/assessments")
def start_assessment(
    request: Request,
    site_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    methodology_version_id: Annotated[int, Form()],
) -> Response:
    """Start an assessment of the site and open its first section."""
    try:
        assessment = service.start_assessment(
            session=session,
            principal=viewer.principal,
            site_id=site_id,
            version_id=methodology_version_id,
        )
    except DomainError as exc:
        undo(session, exc)
        context = _site_context(session, viewer, site_id, locale_of(request)) | {"error": exc}
        return render(request, "assessments/site.html", context, status_code=exc.status)
    message = tr(request, "The assessment is started. Each answer is saved as you give it.")
    return redirect(f"/assessments/{assessment.id}", request, message)


@router.post("/sites/{site_id:int}/reassess")
def reassess_site(
    request: Request, site_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Re-assess the site against the newest version of its methodology (answers to unchanged
    questions carried forward) and open the new assessment."""
    try:
        assessment = reassess.reassess_site(
            session=session, principal=viewer.principal, site_id=site_id
        )
    except DomainError as exc:
        undo(session, exc)
        context = _site_context(session, viewer, site_id) | {"error": exc}
        return render(request, "assessments/site.html", context, status_code=exc.status)
    message = tr(request, "The re-assessment is started: the marked questions need you.")
    return redirect(f"/assessments/{assessment.id}", request, message)


# -- one assessment ---------------------------------------------------------------------------


def _needs(loaded: Loaded, needs: list[str]) -> list[dict[str, Any]]:
    """Questions by id with their sections, in the form's order (those that need someone)."""
    return [
        {"id": q.id, "text": q.text, "section": s.code, "section_title": s.title}
        for s in loaded.sections
        for q in s.questions
        if q.id in needs
    ]


def _unanswered(loaded: Loaded) -> list[dict[str, Any]]:
    return _needs(
        loaded, [q.id for s in loaded.sections for q in s.questions if q.id not in loaded.answers]
    )


def _overview(
    request: Request,
    session: Session,
    viewer: Viewer,
    assessment_id: int,
    *,
    error: DomainError | None = None,
    preview: bool = False,
) -> Response:
    principal = viewer.principal
    loaded = load(session, principal, assessment_id)
    sections = progress(loaded)
    next_section = next((s["code"] for s in sections if s["answered"] < s["total"]), None)
    marks = marks_of(session, loaded)
    context: dict[str, Any] = {
        "loaded": loaded,
        "a": loaded.assessment,
        "site": loaded.site,
        "site_shown": loaded.site_shown,
        "version": loaded.version,
        "methodology": loaded.methodology,
        "sections": sections,
        "answered": sum(s["answered"] for s in sections),
        "total": sum(s["total"] for s in sections),
        "next_section": next_section or (sections[0]["code"] if sections else None),
        "editable": loaded.editable_by(principal),
        "may_approve": loaded.assessment.status == "completed"
        and principal.has_role(loaded.assessment.owner_org_id, Role.coordinator),
        "unanswered": _unanswered(loaded) if error is not None else [],
        "marks": marks,
        "needs": _needs(loaded, marks.needs),
        "may_reassess": loaded.done
        and principal.has_role(loaded.assessment.owner_org_id, Role.reporter),
        "error": error,
        "preview": preview,
    }
    if loaded.done or preview:
        context |= result_view(request, session, loaded)
    status = error.status if error else 200
    return render(request, "assessments/overview.html", context, status_code=status)


@router.get("/assessments/{assessment_id:int}")
def assessment_page(
    request: Request, assessment_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """An assessment: its sections and progress, or once completed its result explained."""
    return _overview(request, session, viewer, assessment_id)


@router.get("/assessments/{assessment_id:int}/preview")
def preview_page(
    request: Request, assessment_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The result of the answers given so far, with today's threat (nothing is stored)."""
    return _overview(request, session, viewer, assessment_id, preview=True)


@router.post("/assessments/{assessment_id:int}/complete")
def complete_assessment(
    request: Request, assessment_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Complete: score the answers and fix the result; every question needs an answer."""
    try:
        service.complete_assessment(
            session=session, principal=viewer.principal, assessment_id=assessment_id
        )
    except DomainError as exc:
        undo(session, exc)
        return _overview(request, session, viewer, assessment_id, error=exc)
    message = tr(request, "The assessment is completed: here is the site's risk and what to do.")
    return redirect(f"/assessments/{assessment_id}", request, message)


@router.post("/assessments/{assessment_id:int}/approve")
def approve_assessment(
    request: Request, assessment_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Approve a completed assessment (coordinators of the site's organisation)."""
    try:
        service.approve_assessment(
            session=session, principal=viewer.principal, assessment_id=assessment_id
        )
    except DomainError as exc:
        undo(session, exc)
        return _overview(request, session, viewer, assessment_id, error=exc)
    return redirect(f"/assessments/{assessment_id}", request, tr(request, "Approved."))


# -- the report ------------------------------------------------------------------------------


@router.get("/assessments/{assessment_id:int}/report")
def report_page(
    request: Request, assessment_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The full report: site summary, risk matrix, radar, measures and every answer."""
    context = reports.report_context(request, session, viewer.principal, assessment_id)
    return render(request, "assessments/report.html", context | {"pdf": False})


@router.get("/assessments/{assessment_id:int}/report.pdf")
def report_pdf(
    request: Request,
    assessment_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
) -> Response:
    """The report as a PDF, for the signed-in browser."""
    pdf = reports.report_pdf(
        request,
        session=session,
        principal=viewer.principal,
        settings=settings,
        assessment_id=assessment_id,
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="assessment-{assessment_id}.pdf"'},
    )


@router.get("/assessments/{assessment_id:int}/funding.csv")
def funding_csv(
    request: Request, assessment_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The plan as a funding-application table (CSV), for the signed-in browser."""
    text = reports.funding_csv(
        request, session=session, principal=viewer.principal, assessment_id=assessment_id
    )
    return reports.csv_response(text, assessment_id)


# -- compare ---------------------------------------------------------------------------------


@router.get("/assessments/compare")
def compare_page(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    before: Annotated[int, Query(ge=1, le=2**31)],
    after: Annotated[int, Query(ge=1, le=2**31)],
) -> Response:
    """Two assessments of a site side by side: what improved and what got worse."""
    principal = viewer.principal
    comparison = portfolio_service.compare_assessments(
        session=session, principal=principal, before_id=before, after_id=after
    )
    old, new = load(session, principal, before), load(session, principal, after)
    context = {
        "c": comparison,
        "before": old,
        "after": new,
        "site": new.site,
        "site_shown": new.site_shown,
        "questions": questions_of(new.methodology) | questions_of(old.methodology),
        "section_titles": {s.code: s.title for s in new.methodology.sections},
        "maturity_labels": new.methodology.maturity_labels,
    }
    return render(request, "assessments/compare.html", context)
