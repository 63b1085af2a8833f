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
from vigil.core.errors import Invalid
from vigil.core.pages import SignedInDep, page_router, render
from vigil.reports.counting import FigureFilters
from vigil.reports.network import network_figures
from vigil.reports.network_schemas import NetworkFiguresRead, network_csv_rows, network_read

router = page_router()
DateText = Annotated[str, Query(max_length=10)]


def _day(value: str, field_name: str) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(field_name, "enter a date such as 2026-05-01") from exc
    if not 1900 <= day.year <= 2200:
        raise Invalid(field_name, "enter a date between 1900 and 2200")
    return day


def _published(
    session: SessionDep, viewer: SignedInDep, network_id: int, start: str, end: str
) -> NetworkFiguresRead:
    low, high = _day(start, "start"), _day(end, "end")
    if low and high and high <= low:
        raise Invalid("end", "the period's end must be after its start")
    figures = network_figures(
        session=session,
        principal=viewer.principal,
        network_id=network_id,
        filters=FigureFilters(start=low, end=high),
    )
    return network_read(figures)


@router.get("/statistics/network/{network_id:int}")
def network_page(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    network_id: int,
    start: DateText = "",
    end: DateText = "",
) -> Response:
    """A network's figures for its members: totals only, small figures suppressed."""
    read = _published(session, viewer, network_id, start, end)
    context = {"figures": read, "start": start, "end": end}
    return render(request, "reports/network.html", context)


@router.get("/statistics/network/{network_id:int}.csv")
def network_csv(
    session: SessionDep,
    viewer: SignedInDep,
    network_id: int,
    start: DateText = "",
    end: DateText = "",
) -> Response:
    """The network's figures as CSV, suppressed as on the page."""
    read = _published(session, viewer, network_id, start, end)
    out = io.StringIO()
    csv.writer(out).writerows(network_csv_rows(read))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="network-{network_id}-figures.csv"'},
    )
