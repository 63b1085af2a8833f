"""JSON API of a network's figures: totals only, with the same suppression as the page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.reports.counting import FigureFilters
from vigil.reports.network import network_figures
from vigil.reports.network_schemas import NetworkFiguresRead, network_read

router = APIRouter(prefix="/api/v1/statistics/network", tags=["statistics"])


@router.get("/{network_id:int}", response_model=NetworkFiguresRead)
def get_network_figures(
    network_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    year: Annotated[
        int | None,
        Query(
            ge=1901,
            le=2199,
            description="The calendar year (up to the current month in the current year); "
            "by default the year of the last whole month.",
        ),
    ] = None,
) -> NetworkFiguresRead:
    """A network's figures for its members: totals only, small figures suppressed."""
    figures = network_figures(
        session=session,
        principal=principal,
        network_id=network_id,
        filters=FigureFilters(start=dt.date(year, 1, 1) if year else None),
    )
    return network_read(figures)
