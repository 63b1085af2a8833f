"""Received incidents in triage (issue 14): an incident a partner's instance sent that the duplicate
engine takes for one of the acting organisation's own is offered to its coordinators, who say
"same event" (the two are linked), "not the same" (dismissed) or adopt it (incidents.adoption).

The sender's record is never rewritten (DECISIONS 30), so a decision is a row of its own
(`ReceivedDecision`, one per organisation and received incident), which another organisation
reading the same record never sees. Each decision is audited; a link is also written in the
local incident's own history ("incident.same_event"), where its readers see it. A received
incident the acting organisation decided on, or adopted, leaves the section; the decision stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from vigil.core import audit
from vigil.core.errors import Conflict, Invalid
from vigil.core.policy import Principal, Role, acting_org, readable_ids
from vigil.incidents import duplicates, provenance, queries, service
from vigil.incidents.duplicate_schemas import Candidate
from vigil.incidents.models import Incident, ReceivedDecision
from vigil.incidents.provenance import ChannelLookup, Provenance
from vigil.incidents.schemas import IncidentRead
from vigil.incidents.typology import Status
from vigil.orgs import service as orgs_service

TARGET = "incidents.received"  # audit entries of decisions, org-scoped (org_id)
SAME_EVENT = "received.same_event"  # {"incident": the local incident}
NOT_SAME = "received.not_same"  # {}
LINKED = "incident.same_event"  # on the local incident's history: {"received": its id}
DECISION_OF = {SAME_EVENT: "same_event", NOT_SAME: "not_same"}
# The newest received incidents not yet decided on that are compared: each costs a run of
# the duplicate engine, so the page stays quick however many records came in.
SCAN_LIMIT = 50
SHOWN = 20


@dataclass(frozen=True)
class ReceivedDuplicate:
    """A received incident with the acting organisation's incidents it likely repeats."""

    incident: IncidentRead
    provenance: Provenance | None
    candidates: list[Candidate]  # suggested by the engine, best first


def _undecided(org_id: int) -> list[ColumnElement[bool]]:
    """Received incidents the organisation has neither decided on nor adopted."""
    decided = select(ReceivedDecision.incident_id).where(ReceivedDecision.org_id == org_id)
    copy = aliased(Incident)
    adopted = select(copy.derived_from_id).where(
        copy.owner_org_id == org_id, copy.derived_from_id.is_not(None)
    )
    return [Incident.id.not_in(decided), Incident.id.not_in(adopted)]


def _owned_by(session: Session, org_id: int, incident_ids: Iterable[int]) -> set[int]:
    wanted = sorted(set(incident_ids))
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Incident.id).where(Incident.id.in_(wanted), Incident.owner_org_id == org_id)
        )
    )


def received_duplicates(
    *,
    session: Session,
    principal: Principal,
    channels: Sequence[ChannelLookup] = (),
    limit: int = SHOWN,
) -> list[ReceivedDuplicate]:
    """Received incidents `principal` may read, newest arrival first, that the engine takes for
    an incident of the acting organisation (coordinators), with provenance."""
    org_id = acting_org(principal, Role.coordinator)
    stmt = provenance.received_query(principal).where(*_undecided(org_id)).limit(SCAN_LIMIT)
    received = list(session.scalars(stmt))
    found = {
        r.id: [
            c
            for c in duplicates.incident_candidates(
                session=session, principal=principal, incident_id=r.id, limit=duplicates.MAX_LIMIT
            )
            if c.suggested
        ]
        for r in received
    }
    ours = _owned_by(session, org_id, (c.incident_id for cs in found.values() for c in cs))
    matched: dict[int, list[Candidate]] = {}
    for incident in received:
        local = [c for c in found[incident.id] if c.incident_id in ours]
        if local and len(matched) < limit:
            matched[incident.id] = local
    shown = [r for r in received if r.id in matched]
    origins = provenance.provenance_of(session=session, incidents=shown, channels=channels)
    reads = queries.incident_reads(session=session, principal=principal, incidents=shown)
    return [
        ReceivedDuplicate(
            incident=read, provenance=origins.get(read.id), candidates=matched[read.id]
        )
        for read in reads
    ]


def _received(session: Session, principal: Principal, incident_id: int) -> tuple[int, Incident]:
    """The acting organisation (its coordinators decide) and a received incident it may read
    that it has not decided on yet."""
    org_id = acting_org(principal, Role.coordinator)
    incident = service.get_incident(session=session, principal=principal, incident_id=incident_id)
    owners = orgs_service.record_owners(session=session, org_ids=[incident.owner_org_id])
    if not (owners and owners[0].remote):
        raise Conflict("Only a record received from another organisation's instance is decided on.")
    earlier = session.scalar(
        select(ReceivedDecision.decision).where(
            ReceivedDecision.incident_id == incident.id, ReceivedDecision.org_id == org_id
        )
    )
    if earlier is not None:
        if earlier == DECISION_OF[SAME_EVENT]:
            raise Conflict("Your organisation already said this record is the same event.")
        raise Conflict("Your organisation already said this record is not the same.")
    return org_id, incident


def link_same_event(
    *, session: Session, principal: Principal, incident_id: int, local_incident_id: int
) -> Incident:
    """Record that a received incident and one of the acting organisation's are the same event;
    neither is changed. Returns the local incident."""
    org_id, received = _received(session, principal, incident_id)
    local = service.get_incident(
        session=session, principal=principal, incident_id=local_incident_id
    )
    if local.owner_org_id != org_id:
        raise Invalid("incident_id", "name an incident of your organisation")
    if local.status == Status.merged.value:
        raise Invalid("incident_id", "#%(id)s is merged: name the incident it joined", id=local.id)
    _decide(session, principal, org_id, received.id, SAME_EVENT, local.id)
    audit.log_action(
        session,
        principal,
        SAME_EVENT,
        target_type=TARGET,
        target_id=received.id,
        org_id=org_id,
        detail={"incident": local.id},
    )
    audit.log_action(
        session,
        principal,
        LINKED,
        target_type="incidents",
        target_id=local.id,
        org_id=org_id,
        detail={"received": received.id},
    )
    return local


def dismiss(*, session: Session, principal: Principal, incident_id: int) -> None:
    """Record that a received incident repeats none of the acting organisation's incidents: it
    leaves the section, unchanged."""
    org_id, received = _received(session, principal, incident_id)
    _decide(session, principal, org_id, received.id, NOT_SAME, None)
    audit.log_action(
        session, principal, NOT_SAME, target_type=TARGET, target_id=received.id, org_id=org_id
    )


def _decide(
    session: Session,
    principal: Principal,
    org_id: int,
    incident_id: int,
    action: str,
    local_incident_id: int | None,
) -> None:
    session.add(
        ReceivedDecision(
            incident_id=incident_id,
            org_id=org_id,
            decision=DECISION_OF[action],
            local_incident_id=local_incident_id,
            person_id=principal.person_id,
        )
    )
    session.flush()


def same_events(*, session: Session, principal: Principal, incident_id: int) -> list[int]:
    """The incidents linked as the same event as this one, that `principal` may read: for a
    received incident, the links its reader's organisations made; for a local one, the received
    incidents its organisation linked it to (its history says so too)."""
    same = ReceivedDecision.decision == DECISION_OF[SAME_EVENT]
    as_received = session.scalars(
        select(ReceivedDecision.local_incident_id).where(
            same,
            ReceivedDecision.incident_id == incident_id,
            ReceivedDecision.org_id.in_(sorted(principal.org_ids)),
        )
    )
    as_local = session.scalars(
        select(ReceivedDecision.incident_id).where(
            same, ReceivedDecision.local_incident_id == incident_id
        )
    )
    linked = [i for i in [*as_received, *as_local] if i is not None]
    readable = readable_ids(session, principal, Incident, linked)
    return sorted({i for i in linked if i in readable})
