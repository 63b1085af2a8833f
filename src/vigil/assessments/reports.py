"""The assessment report: one body shown as a page and printed to PDF with WeasyPrint.

The page and the PDF render the same body template from the same context, so they cannot
disagree: site summary, the risk matrix and the radar (SVG, no browser needed), every number
with its formula and inputs, the measures table and the answers appendix.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from vigil.assessments.result_view import load, result_view
from vigil.core.config import Settings
from vigil.core.pages import render
from vigil.core.pdf import render_pdf
from vigil.core.policy import Principal
from vigil.orgs import directory as orgs_directory


def report_context(
    request: Request, session: Session, principal: Principal, assessment_id: int
) -> dict[str, Any]:
    loaded = load(session, principal, assessment_id)
    a = loaded.assessment
    people_ids = {i for i in (a.completed_by, a.approved_by) if i is not None}
    names = orgs_directory.person_names(session=session, person_ids=people_ids)
    owner_name = orgs_directory.organisation_name(session=session, org_id=loaded.site.owner_org_id)
    return {
        "loaded": loaded,
        "a": a,
        "assessment": a,
        "version": loaded.version,
        "methodology": loaded.methodology,
        "site": loaded.site,
        "site_shown": loaded.site_shown,
        "owner_name": owner_name,
        "people": names,
        "answers": loaded.answers,
        "sections": loaded.sections,
    } | result_view(request, session, loaded)


def report_html(
    request: Request, *, session: Session, principal: Principal, assessment_id: int, pdf: bool
) -> str:
    context = report_context(request, session, principal, assessment_id) | {"pdf": pdf}
    return bytes(render(request, "assessments/report_pdf.html", context).body).decode("utf-8")


def report_pdf(
    request: Request,
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    assessment_id: int,
) -> bytes:
    html = report_html(
        request, session=session, principal=principal, assessment_id=assessment_id, pdf=True
    )
    return render_pdf(html, settings=settings)
