"""Where a record that arrived from outside came from (DECISIONS 30): the remote organisation
that made it (its owner, `vigil.orgs.remote`) and the way it came, a peer's pull or a STIX file
imported by a person, shown on the incident page, in the list and in every export.

The owner is the incidents domain's own data; the way it came is sharing's (its imports), which
incidents cannot import: sharing declares a `ChannelLookup` under `CHANNELS`
(`Domain.page_parts()`), and the pages and exports pass what the app was given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select
from sqlalchemy.orm import Session

from vigil.core.policy import Principal
from vigil.incidents import queries
from vigil.incidents.models import Incident
from vigil.incidents.schemas import IncidentRead
from vigil.orgs import remote as remote_orgs
from vigil.orgs import service as orgs_service

CHANNELS = "incidents.provenance"
# How a record came, in exports (data, not words): a peer's pull, a person's STIX import, or a
# CSV file whose row named the organisation it came from (the importer owns that record).
PEER, IMPORT, FILE = "peer", "import", "file"


class ChannelLookup(Protocol):
    """What sharing declares under CHANNELS: for each incident that came in through it, the
    name of the peer that brought it, or "" when a person imported it as a STIX file."""

    def __call__(self, *, session: Session, incident_ids: Sequence[int]) -> Mapping[int, str]: ...


class Owned(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def owner_org_id(self) -> int: ...
    @property
    def source_org(self) -> str: ...


@dataclass(frozen=True)
class Provenance:
    """An incident made elsewhere: the organisation that made it and how it came here."""

    organisation: str
    channel: str = ""  # PEER, IMPORT, or "" when no lookup knows
    peer: str = ""

    def text(self) -> str:
        """One line for a CSV cell: "from <peer> (peer), <organisation>"."""
        if self.channel == PEER:
            return f"from {self.peer} (peer), {self.organisation}"
        if self.channel == IMPORT:
            return f"from a STIX import, {self.organisation}"
        if self.channel == FILE:
            return f"from a CSV import, {self.organisation}"
        return f"from {self.organisation}"

    def as_json(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "channel": self.channel, "peer": self.peer}


def provenance_of(
    *,
    session: Session,
    incidents: Iterable[Owned],
    channels: Sequence[ChannelLookup] = (),
) -> dict[int, Provenance]:
    """The provenance of each of the incidents (already read by the caller) that a remote
    organisation made, or that a CSV file said another organisation made; incidents made here
    are left out. One query for the owners, one per lookup."""
    incidents = list(incidents)
    owners = orgs_service.record_owners(
        session=session, org_ids={i.owner_org_id for i in incidents}
    )
    remote = {org.id: org.name for org in owners if org.remote}
    received = [i.id for i in incidents if i.owner_org_id in remote]
    from_files = {
        i.id: Provenance(organisation=i.source_org, channel=FILE)
        for i in incidents
        if i.source_org and i.owner_org_id not in remote
    }
    if not received:
        return from_files
    ways: dict[int, str] = {}
    for lookup in channels:
        for incident_id, peer in lookup(session=session, incident_ids=received).items():
            ways.setdefault(incident_id, peer)
    found = dict(from_files)
    for incident in incidents:
        if incident.id not in received:
            continue
        way = ways.get(incident.id)
        channel = "" if way is None else (PEER if way else IMPORT)
        found[incident.id] = Provenance(
            organisation=remote[incident.owner_org_id], channel=channel, peer=way or ""
        )
    return found


def received_query(principal: Principal) -> Select[Incident]:
    """The incidents made elsewhere (owned by a remote organisation) that `principal` may read,
    newest arrival first, as a query to narrow (the triage's received section does)."""
    return (
        queries.filtered(queries.IncidentFilters(), principal)
        .where(Incident.owner_org_id.in_(remote_orgs.remote_organisation_ids()))
        .order_by(Incident.created_at.desc(), Incident.id.desc())
    )


def received_incidents(*, session: Session, principal: Principal, limit: int) -> list[IncidentRead]:
    """The incidents made elsewhere that `principal` may read, newest arrival first: what the
    sharing page lists to review."""
    rows = list(session.scalars(received_query(principal).limit(limit)))
    return queries.incident_reads(session=session, principal=principal, incidents=rows)
