"""Received records to review: the incidents other organisations' instances sent (a peer's pull
or a person's STIX import) that the viewer may read, newest arrival first, each with where it
came from and the incident the duplicate engine takes it most likely to repeat.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from vigil.core.policy import Principal
from vigil.incidents import adoption, duplicates
from vigil.incidents import provenance as incident_provenance
from vigil.incidents.provenance import Provenance
from vigil.incidents.schemas import IncidentRead
from vigil.sharing.provenance import channels_of

RECEIVED_SHOWN = 20
# Candidates looked at per record: its own adopted copies are left out of them.
DUPLICATE_CANDIDATES = 3


@dataclass(frozen=True)
class Received:
    incident: IncidentRead
    provenance: Provenance | None
    duplicate_of: int | None  # the incident it likely repeats, as the duplicate engine says


def _likely_duplicate(session: Session, principal: Principal, incident_id: int) -> int | None:
    copies = {
        c
        for c, _ in adoption.copies_of(
            session=session, principal=principal, incident_id=incident_id
        )
    }
    found = duplicates.incident_candidates(
        session=session, principal=principal, incident_id=incident_id, limit=DUPLICATE_CANDIDATES
    )
    return next((c.incident_id for c in found if c.suggested and c.incident_id not in copies), None)


def received_records(
    *, session: Session, principal: Principal, limit: int = RECEIVED_SHOWN
) -> list[Received]:
    """The newest received incidents `principal` may read (core.policy), with provenance."""
    incidents = incident_provenance.received_incidents(
        session=session, principal=principal, limit=limit
    )
    origins = incident_provenance.provenance_of(
        session=session, incidents=incidents, channels=(channels_of,)
    )
    return [
        Received(
            incident=incident,
            provenance=origins.get(incident.id),
            duplicate_of=_likely_duplicate(session, principal, incident.id),
        )
        for incident in incidents
    ]
