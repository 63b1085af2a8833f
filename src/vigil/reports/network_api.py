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
    start: Annotated[dt.date | None, Query(description="First day (of a month) counted.")] = None,
    end: Annotated[dt.date | None, Query(description="First day of the month after.")] = None,
) -> NetworkFiguresRead:
    """A network's figures for its members: totals only, small figures suppressed."""
    figures = network_figures(
        session=session,
        principal=principal,
        network_id=network_id,
        filters=FigureFilters(start=start, end=end),
    )
    return network_read(figures)
