"""The assessment report: one HTML document shown as a page and printed to PDF with WeasyPrint.

The page and the PDF render from the same template and context, so they cannot disagree.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from vigil.assessments import service
from vigil.core.config import Settings
from vigil.core.pages import render
from vigil.core.pdf import render_pdf
from vigil.core.policy import Principal
from vigil.sites.models import Site


def report_context(session: Session, principal: Principal, assessment_id: int) -> dict[str, Any]:
    assessment = service.get_assessment(
        session=session, principal=principal, assessment_id=assessment_id
    )
    version, methodology = service.methodology_of(session, assessment)
    site = session.get(Site, assessment.site_id)
    result = service.result_of(assessment)
    if result is None:
        result = service.score_now(session, assessment).as_dict()
    return {
        "assessment": assessment,
        "version": version,
        "methodology": methodology,
        "site": site,
        "result": result,
        "answers": service.answers_of(session, assessment.id),
    }


def report_html(
    request: Request, *, session: Session, principal: Principal, assessment_id: int, pdf: bool
) -> str:
    context = report_context(session, principal, assessment_id) | {"pdf": pdf}
    return bytes(render(request, "assessments/report.html", context).body).decode("utf-8")


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
