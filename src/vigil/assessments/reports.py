"""The assessment report: one body shown as a page and printed to PDF with WeasyPrint.

The page and the PDF render the same body template from the same context, so they cannot
disagree: site summary, the risk matrix and the radar (SVG, no browser needed), every number
with its formula and inputs, the measures table and the answers appendix.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.assessments import funding, site_measures
from vigil.assessments.result_view import Loaded, load, result_view
from vigil.core.config import Settings
from vigil.core.localisation import locale_of
from vigil.core.localised import pick
from vigil.core.pages import render, tr
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
    context: dict[str, Any] = {
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
    }
    context |= result_view(request, session, loaded)
    context["funding"] = _funding_rows(request, session, loaded, context)
    return context


def _funding_rows(
    request: Request, session: Session, loaded: Loaded, context: dict[str, Any]
) -> list[dict[str, Any]]:
    """The funding-application table: the plan's measures with money, risk and status."""
    titles = {s.code: s.title for s in loaded.methodology.sections}
    locale = locale_of(request)
    return funding.funding_rows(
        context["result"]["measures"],
        context["money_bands"],
        section_title=lambda code: str(pick(titles.get(code, code), locale)),
        statuses=site_measures.statuses_of(session, loaded.assessment.id),
    )


def funding_csv(
    request: Request, *, session: Session, principal: Principal, assessment_id: int
) -> str:
    """The funding-application table as CSV, for whoever may read the report."""
    rows = report_context(request, session, principal, assessment_id)["funding"]
    words = {
        "measure": tr(request, "Measure"),
        "section": tr(request, "Section"),
        "timeframe": tr(request, "Timeframe"),
        "cost_class": tr(request, "Cost class"),
        "money_min": tr(request, "Money from"),
        "money_max": tr(request, "Money to"),
        "currency": tr(request, "Currency"),
        "risk_reduced": tr(request, "Risk reduced"),
        "status": tr(request, "Status"),
        "now": tr(request, "Now"),
        "3_months": tr(request, "Within 3 months"),
        "year": tr(request, "Within a year"),
        "low": tr(request, "low"),
        "medium": tr(request, "medium"),
        "high": tr(request, "high"),
        "open": tr(request, "open"),
        "planned": tr(request, "planned"),
        "done": tr(request, "done"),
        "proposed": tr(request, "proposed"),
    }
    return funding.funding_csv(rows, words)


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


def csv_response(text: str, assessment_id: int) -> Response:
    """The CSV as a download (page and API alike)."""
    name = f"assessment-{assessment_id}-funding.csv"
    return Response(
        text.encode("utf-8-sig"),  # the BOM makes spreadsheets read the UTF-8 right
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
