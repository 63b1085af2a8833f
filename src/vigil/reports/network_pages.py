"""The page of a network's figures and its CSV: totals only, small figures suppressed the same
way as in the JSON API (one published shape, `network_schemas.network_read`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from vigil.core.deps import SessionDep
from vigil.core.pages import SignedInDep, page_router, render
from vigil.reports.counting import FigureFilters
from vigil.reports.network import network_figures, years_offered
from vigil.reports.network_schemas import NetworkFiguresRead, network_csv_rows, network_read

router = page_router()


YearQuery = Annotated[int | None, Query(ge=1901, le=2199)]


def _published(
    session: SessionDep, viewer: SignedInDep, network_id: int, year: int | None
) -> NetworkFiguresRead:
    figures = network_figures(
        session=session,
        principal=viewer.principal,
        network_id=network_id,
        filters=FigureFilters(start=dt.date(year, 1, 1) if year else None),
    )
    return network_read(figures)


@router.get("/statistics/network/{network_id:int}")
def network_page(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    network_id: int,
    year: YearQuery = None,
) -> Response:
    """A network's figures for its members: totals only, small figures suppressed."""
    read = _published(session, viewer, network_id, year)
    context = {"figures": read, "years": years_offered(dt.datetime.now(dt.UTC).date())}
    return render(request, "reports/network.html", context)


@router.get("/statistics/network/{network_id:int}.csv")
def network_csv(
    session: SessionDep,
    viewer: SignedInDep,
    network_id: int,
    year: YearQuery = None,
) -> Response:
    """The network's figures as CSV, suppressed as on the page."""
    read = _published(session, viewer, network_id, year)
    out = io.StringIO()
    csv.writer(out).writerows(network_csv_rows(read))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="network-{network_id}-figures.csv"'},
    )
