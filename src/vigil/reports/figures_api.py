"""JSON API of the acting organisation's figures (its analysts and above)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.reports.own_figures import own_figures
from vigil.reports.schemas import FiguresQuery, FiguresRead

router = APIRouter(prefix="/api/v1/figures", tags=["figures"])


@router.get("", response_model=FiguresRead)
def get_figures(
    session: SessionDep, principal: PrincipalDep, query: Annotated[FiguresQuery, Query()]
) -> FiguresRead:
    """Your organisation's incident counts by up to three dimensions, with the total."""
    return own_figures(session=session, principal=principal, query=query)
