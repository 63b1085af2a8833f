"""The annual report builder: the list of an organisation's reports, the builder page where each
narrative section is saved on its own (htmx, or a plain form post without script), its
versions, the notable incidents, the preview and PDF of the draft, publishing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError, Invalid
from vigil.core.pages import (
    FormStr,
    SignedInDep,
    Viewer,
    is_htmx,
    page_router,
    redirect,
    render,
    tr,
    undo,
)
from vigil.core.policy import Role
from vigil.orgs import directory
from vigil.reports import annual, annual_notable
from vigil.reports.annual_view import body_context, pdf_response
from vigil.reports.figures import freshness

router = page_router()
FormList = Annotated[list[str], Form()]
BASE = "/annual-reports"


def _date(field: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise Invalid(field, "must be a date (YYYY-MM-DD)") from exc


def _list_page(
    request: Request, session: Session, viewer: Viewer, *, error: DomainError | None = None
) -> Response:
    start, end = annual.default_period()
    context = {
        "reports": annual.list_reports(session=session, principal=viewer.principal),
        "default_start": start,
        "default_end": end,
        "can_create": viewer.principal.has_role(viewer.principal.acting_org_id, Role.analyst),
        "error": error,
    }
    return render(
        request, "reports/annual_list.html", context, status_code=error.status if error else 200
    )


@router.get(BASE)
def report_list(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """The organisation's annual reports and the form to start one."""
    return _list_page(request, session, viewer)


@router.post(BASE)
def create_report(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    title: FormStr = "",
    period_start: FormStr = "",
    period_end: FormStr = "",
) -> Response:
    """Start a report (analysts); the period defaults to last calendar year."""
    try:
        start = _date("period_start", period_start) if period_start else None
        end = _date("period_end", period_end) if period_end else None
        report = annual.create_report(
            session=session, principal=viewer.principal, title=title, start=start, end=end
        )
    except DomainError as exc:
        undo(session, exc)
        return _list_page(request, session, viewer, error=exc)
    return redirect(f"{BASE}/{report.id}", request, tr(request, "The report is started."))


def _builder(
    request: Request,
    session: Session,
    viewer: Viewer,
    annual_report_id: int,
    *,
    error: DomainError | None = None,
) -> Response:
    principal = viewer.principal
    report = annual.get_report(session=session, principal=principal, report_id=annual_report_id)
    context: dict[str, Any] = {
        "report": report,
        "org_slug": directory.organisation_slug(session=session, org_id=report.owner_org_id),
        "sections": annual.current_sections(session, report),
        "section_keys": annual.SECTIONS,
        "versions": annual.list_versions(
            session=session, principal=principal, report_id=annual_report_id
        ),
        "notable": annual_notable.notable_view(
            session, principal, annual_notable.notable_of(report)
        ),
        "candidates": annual_notable.candidates(
            session=session, principal=principal, report=report
        ),
        "can_publish": principal.has_role(report.owner_org_id, Role.coordinator),
        "error": error,
    }
    return render(
        request, "reports/annual_builder.html", context, status_code=error.status if error else 200
    )


@router.get(BASE + "/{annual_report_id:int}")
def builder(
    request: Request, annual_report_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The report builder: details, sections, notable incidents, versions, publishing."""
    return _builder(request, session, viewer, annual_report_id)


@router.post(BASE + "/{annual_report_id:int}/details")
def save_details(
    request: Request,
    annual_report_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    title: FormStr = "",
    period_start: FormStr = "",
    period_end: FormStr = "",
) -> Response:
    """Change the title and period."""
    try:
        annual.edit_report(
            session=session,
            principal=viewer.principal,
            report_id=annual_report_id,
            title=title,
            start=_date("period_start", period_start),
            end=_date("period_end", period_end),
        )
    except DomainError as exc:
        undo(session, exc)
        return _builder(request, session, viewer, annual_report_id, error=exc)
    return redirect(f"{BASE}/{annual_report_id}", request, tr(request, "The details are saved."))


@router.post(BASE + "/{annual_report_id:int}/sections/{key}")
def save_section(
    request: Request,
    annual_report_id: int,
    key: str,
    session: SessionDep,
    viewer: SignedInDep,
    text: FormStr = "",
) -> Response:
    """Save one section as a new version (htmx answers with the section alone)."""
    try:
        version = annual.save_section(
            session=session,
            principal=viewer.principal,
            report_id=annual_report_id,
            key=key,
            text=text,
        )
    except DomainError as exc:
        undo(session, exc)
        if not is_htmx(request):
            return _builder(request, session, viewer, annual_report_id, error=exc)
        context = {"report_id": annual_report_id, "key": key, "text": text, "error": exc}
        return render(request, "reports/_annual_section.html", context, status_code=exc.status)
    if is_htmx(request):
        context = {"report_id": annual_report_id, "key": key, "text": text, "saved": version}
        return render(request, "reports/_annual_section.html", context)
    return redirect(
        f"{BASE}/{annual_report_id}#section-{key}",
        request,
        tr(request, "Saved as version %(n)s.", n=version),
    )


@router.post(BASE + "/{annual_report_id:int}/versions/{version:int}/restore")
def restore_version(
    request: Request, annual_report_id: int, version: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Bring back an older version's text as a new version."""
    number = annual.restore_version(
        session=session, principal=viewer.principal, report_id=annual_report_id, version=version
    )
    return redirect(
        f"{BASE}/{annual_report_id}",
        request,
        tr(request, "Version %(old)s is back as version %(n)s.", old=version, n=number),
    )


@router.post(BASE + "/{annual_report_id:int}/notable")
def save_notable(
    request: Request,
    annual_report_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    incident_id: FormList = [],  # noqa: B006 - FastAPI copies it
    summary: FormList = [],  # noqa: B006
    add_incident: FormStr = "",
) -> Response:
    """Replace the notable incidents with those listed (an empty summary drops nothing)."""
    picks = [(int(i), s) for i, s in zip(incident_id, summary, strict=False) if i.isdigit()]
    if add_incident.strip().isdigit():
        picks.append((int(add_incident.strip()), ""))
    try:
        annual.set_notable(
            session=session, principal=viewer.principal, report_id=annual_report_id, picks=picks
        )
    except DomainError as exc:
        undo(session, exc)
        return _builder(request, session, viewer, annual_report_id, error=exc)
    return redirect(
        f"{BASE}/{annual_report_id}#notable",
        request,
        tr(request, "The notable incidents are saved."),
    )


@router.post(BASE + "/{annual_report_id:int}/notable/{incident:int}/remove")
def remove_notable(
    request: Request, annual_report_id: int, incident: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Take one incident off the notable list."""
    report = annual.get_report(
        session=session, principal=viewer.principal, report_id=annual_report_id
    )
    picks = [
        (p["incident_id"], p["summary"])
        for p in annual_notable.notable_of(report)
        if p["incident_id"] != incident
    ]
    annual.set_notable(
        session=session, principal=viewer.principal, report_id=annual_report_id, picks=picks
    )
    return redirect(
        f"{BASE}/{annual_report_id}#notable",
        request,
        tr(request, "The notable incidents are saved."),
    )


@router.post(BASE + "/{annual_report_id:int}/publish")
def publish(
    request: Request, annual_report_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Publish the report as it is now (coordinators)."""
    try:
        annual.publish(session=session, principal=viewer.principal, report_id=annual_report_id)
    except DomainError as exc:
        undo(session, exc)
        return _builder(request, session, viewer, annual_report_id, error=exc)
    return redirect(f"{BASE}/{annual_report_id}", request, tr(request, "The report is published."))


@router.post(BASE + "/{annual_report_id:int}/unpublish")
def unpublish(
    request: Request, annual_report_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Take the published page down (coordinators)."""
    annual.unpublish(session=session, principal=viewer.principal, report_id=annual_report_id)
    return redirect(
        f"{BASE}/{annual_report_id}", request, tr(request, "The report is no longer published.")
    )


def _draft_context(
    request: Request, session: Session, viewer: Viewer, annual_report_id: int
) -> dict[str, Any]:
    report = annual.get_report(
        session=session, principal=viewer.principal, report_id=annual_report_id
    )
    content = annual.report_content(session=session, principal=viewer.principal, report=report)
    org = directory.organisation_name(session=session, org_id=report.owner_org_id)
    return body_context(request, content, org_name=org, draft=True) | {"fresh": freshness(session)}


@router.get(BASE + "/{annual_report_id:int}/preview")
def preview(
    request: Request, annual_report_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The draft as it would be published, with today's figures."""
    return render(
        request,
        "reports/annual_preview.html",
        _draft_context(request, session, viewer, annual_report_id),
    )


@router.get(BASE + "/{annual_report_id:int}.pdf")
def draft_pdf(
    request: Request,
    annual_report_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
) -> Response:
    """The draft as a PDF, with today's figures."""
    context = _draft_context(request, session, viewer, annual_report_id)
    filename = f"annual-report-{annual_report_id}.pdf"
    return pdf_response(request, context, settings=settings, filename=filename)
