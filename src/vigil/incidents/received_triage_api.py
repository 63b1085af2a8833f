"""JSON routes of the received incidents in triage: those the duplicate engine takes for one of
the acting organisation's, and its coordinators' decisions on them (adoption is
`POST /incidents/{id}/adopt`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import Field

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.core.domains import parts_of
from vigil.incidents import received_triage
from vigil.incidents.provenance import CHANNELS
from vigil.incidents.schemas import (
    ProvenanceRead,
    ReceivedDecision,
    ReceivedDuplicateRead,
    SameEventLink,
)

router = APIRouter(prefix="/api/v1/incidents/received", tags=["incidents"])
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


@router.get("/duplicates", response_model=list[ReceivedDuplicateRead])
def received_duplicates(
    request: Request, session: SessionDep, principal: PrincipalDep
) -> list[ReceivedDuplicateRead]:
    """Received incidents likely the same as your organisation's, newest first (coordinators)."""
    found = received_triage.received_duplicates(
        session=session, principal=principal, channels=parts_of(request, CHANNELS)
    )
    return [
        ReceivedDuplicateRead(
            incident=r.incident,
            provenance=None if r.provenance is None else ProvenanceRead(**r.provenance.as_json()),
            candidates=r.candidates,
        )
        for r in found
    ]


@router.post("/{incident_id}/same-event", response_model=ReceivedDecision)
def same_event(
    incident_id: Id, data: SameEventLink, session: SessionDep, principal: PrincipalDep
) -> ReceivedDecision:
    """Link a received incident to your organisation's incident of the same event; audited."""
    local = received_triage.link_same_event(
        session=session,
        principal=principal,
        incident_id=incident_id,
        local_incident_id=data.incident_id,
    )
    return ReceivedDecision(received_id=incident_id, decision="same_event", incident_id=local.id)


@router.post("/{incident_id}/not-same", response_model=ReceivedDecision)
def not_same(incident_id: Id, session: SessionDep, principal: PrincipalDep) -> ReceivedDecision:
    """Say a received incident is none of your organisation's incidents; audited."""
    received_triage.dismiss(session=session, principal=principal, incident_id=incident_id)
    return ReceivedDecision(received_id=incident_id, decision="not_same")
