"""The ODIHR export's page (what it holds, a year picker and the two downloads) and its files:
`/statistics/odihr.csv` and `/statistics/odihr.xlsx`, for the acting organisation's analysts and
above (the service decides)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError
from vigil.core.pages import SignedInDep, Viewer, page_router, render, tr
from vigil.core.transfer import audit_export
from vigil.reports import odihr, odihr_files
from vigil.reports.odihr_files import Table

router = page_router()
YearText = Annotated[str, Query(max_length=10)]
TableChoice = Annotated[Table, Query(description="incidents, or bias for the counts by bias")]
YEARS_SHOWN = 6


def _export(session: Session, viewer: Viewer, year: str) -> odihr.OdihrExport:
    start, end = odihr.year_period(year)
    return odihr.odihr_export(session=session, principal=viewer.principal, start=start, end=end)


def _notes(request: Request, export: odihr.OdihrExport) -> dict[Table, str]:
    basis = tr(
        request,
        "Published basis: verified and closed incidents of %(start)s to %(end)s (local dates).",
        start=export.start.isoformat(),
        end=(export.end - dt.timedelta(days=1)).isoformat(),
    )
    marking = tr(
        request,
        "Only incidents marked TLP:CLEAR are listed; %(withheld)s incident(s) with another "
        "marking are counted but not listed.",
        withheld=export.withheld,
    )
    several = tr(
        request,
        "An incident with several bias motivations counts under each; the total counts it once.",
    )
    return {"incidents": f"{basis} {marking}", "bias": f"{basis} {several} {marking}"}


def _download(
    session: Session, viewer: Viewer, settings: SettingsDep, year: str, kind: str
) -> odihr.OdihrExport:
    export = _export(session, viewer, year)
    audit_export(
        session=session,
        settings=settings,
        principal=viewer.principal,
        action="reports.odihr_export",
        target_type="organisation",
        detail={"org_id": export.org_id, "period": export.label, "format": kind},
    )
    return export


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


@router.get("/statistics/odihr")
def odihr_page(
    request: Request, session: SessionDep, viewer: SignedInDep, year: YearText = ""
) -> Response:
    """What the ODIHR export holds, for which year, and its CSV and XLSX downloads."""
    error: DomainError | None = None
    export: odihr.OdihrExport | None = None
    try:
        export = _export(session, viewer, year)
    except DomainError as exc:
        if exc.status != 422:
            raise
        error = exc
    this_year = dt.date.today().year
    context = {
        "export": export,
        "year": export.start.year if export else year,
        "years": list(range(this_year, this_year - YEARS_SHOWN, -1)),
        "mapping": odihr.ODIHR_TYPES,
        "error": error,
    }
    return render(
        request, "reports/odihr.html", context, status_code=error.status if error else 200
    )


@router.get("/statistics/odihr.csv")
def odihr_csv(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    year: YearText = "",
    table: TableChoice = "incidents",
) -> Response:
    """The listed incidents (or, with table=bias, the counts by bias) as CSV."""
    export = _download(session, viewer, settings, year, f"csv:{table}")
    name = f"odihr-{export.label}{'-bias' if table == 'bias' else ''}.csv"
    return Response(
        odihr_files.csv_bytes(export, table),
        media_type="text/csv; charset=utf-8",
        headers=_attachment(name),
    )


@router.get("/statistics/odihr.xlsx")
def odihr_xlsx(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    year: YearText = "",
) -> Response:
    """The listed incidents and the counts by bias as a workbook of two sheets."""
    export = _download(session, viewer, settings, year, "xlsx")
    return Response(
        odihr_files.xlsx_bytes(export, notes=_notes(request, export)),
        media_type=odihr_files.XLSX_MEDIA_TYPE,
        headers=_attachment(f"odihr-{export.label}.xlsx"),
    )
