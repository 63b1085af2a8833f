"""JSON routes of duplicate detection: likely duplicates of a report or of an incident."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.incidents import duplicates
from vigil.incidents.duplicate_schemas import Candidate

router = APIRouter(prefix="/api/v1", tags=["incidents"])
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Limit = Annotated[int, Query(ge=1, le=duplicates.MAX_LIMIT)]


@router.get("/reports/{report_id}/duplicates", response_model=list[Candidate])
def report_duplicates(
    report_id: Id,
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = duplicates.DEFAULT_LIMIT,
) -> list[Candidate]:
    """Incidents this report may describe, best first, with reasons (coordinators of its org)."""
    return duplicates.report_candidates(
        session=session, principal=principal, report_id=report_id, limit=limit
    )


@router.get("/incidents/{incident_id}/duplicates", response_model=list[Candidate])
def incident_duplicates(
    incident_id: Id,
    session: SessionDep,
    principal: PrincipalDep,
    limit: Limit = duplicates.DEFAULT_LIMIT,
) -> list[Candidate]:
    """Other incidents you may see that are likely the same event, best first, with reasons."""
    return duplicates.incident_candidates(
        session=session, principal=principal, incident_id=incident_id, limit=limit
    )
