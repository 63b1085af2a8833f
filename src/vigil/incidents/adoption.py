"""Adopting a received incident: a local edit of a partner's record is a new record of the
local organisation, never a rewrite of the sender's (DECISIONS 30).

A received incident belongs to its remote organisation, which has no members: nobody here may
edit it, and a newer version from its sender replaces it. An analyst of an organisation it
reached adopts it instead: a new incident of their organisation with the same fields, which
they then edit as their own, linked to the original (which stays as it came), so that its STIX
carries a `derived-from` relationship to the original's STIX id.

The link is the copy's `derived_from_id`; both incidents' histories (the audit log) say who
adopted what ("incident.adopt" on the copy, "incident.adopted" on the original).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.errors import Conflict, Invalid
from vigil.core.policy import TLP, Principal, Role, acting_org, readable_ids
from vigil.incidents import service
from vigil.incidents.models import Incident
from vigil.incidents.schemas import IncidentFields
from vigil.incidents.typology import Status
from vigil.orgs import service as orgs_service

ADOPT = "incident.adopt"  # on the copy: {"derived_from": original id}
ADOPTED = "incident.adopted"  # on the original: {"as": copy id, "by_org": organisation id}
TARGET = "incidents"
IDS_PER_QUERY = 500


def derived_from(session: Session, incident_ids: Iterable[int]) -> dict[int, int]:
    """The original each of the incidents was adopted from (those that were), unscoped: the
    caller says only what its reader may read."""
    wanted = sorted(set(incident_ids))
    found: dict[int, int] = {}
    for start in range(0, len(wanted), IDS_PER_QUERY):
        rows = session.execute(
            select(Incident.id, Incident.derived_from_id).where(
                Incident.id.in_(wanted[start : start + IDS_PER_QUERY]),
                Incident.derived_from_id.is_not(None),
            )
        )
        found.update((copy, original) for copy, original in rows if original is not None)
    return found


def copies_of(*, session: Session, principal: Principal, incident_id: int) -> list[tuple[int, int]]:
    """(copy, organisation) of each adoption of the incident whose copy `principal` may read."""
    made = list(
        session.execute(
            select(Incident.id, Incident.owner_org_id)
            .where(Incident.derived_from_id == incident_id)
            .order_by(Incident.id)
        ).tuples()
    )
    readable = readable_ids(session, principal, Incident, [c for c, _ in made])
    return [(c, org) for c, org in made if c in readable]


def may_adopt(*, session: Session, principal: Principal, incident: Incident) -> bool:
    """Whether the page offers adoption: an analyst of the acting organisation, which is not
    the owner, reading a record a remote organisation made, not RED."""
    org_id = principal.acting_org_id
    if org_id is None or not principal.has_role(org_id, Role.analyst):
        return False
    return incident.tlp != TLP.red.value and _is_received(session, incident)


def _is_received(session: Session, incident: Incident) -> bool:
    owners = orgs_service.record_owners(session=session, org_ids=[incident.owner_org_id])
    return bool(owners) and owners[0].remote


def adopt_incident(*, session: Session, principal: Principal, incident_id: int) -> Incident:
    """A new incident of the acting organisation (analysts and above) with the fields of a
    received one it may read, which stays untouched; audited on both."""
    org_id = acting_org(principal, Role.analyst)
    original = service.get_incident(session=session, principal=principal, incident_id=incident_id)
    if not _is_received(session, original):
        raise Conflict("Only a record received from another organisation's instance is adopted.")
    if original.tlp == TLP.red.value:
        raise Conflict("TLP:RED was given to one person: it is not copied into a record.")
    copies = copies_of(session=session, principal=principal, incident_id=original.id)
    held_here = [c for c, org in copies if org == org_id]
    if held_here:
        raise Conflict(
            "Your organisation adopted this incident already, as #%(id)s.", id=held_here[0]
        )
    try:
        fields = IncidentFields.model_validate(service.incident_fields(original))
    except ValidationError as exc:
        raise Invalid.from_validation(exc) from exc
    copy = Incident(
        owner_org_id=org_id,
        author_id=principal.person_id,
        tlp=original.tlp,
        source=original.source,
        status=Status.triaged.value,
        derived_from_id=original.id,
    )
    service.apply_fields(copy, fields)
    # The place as it came, not geocoded again: the copy starts as the same account.
    copy.lat, copy.lon, copy.precision = original.lat, original.lon, original.precision
    copy.city, copy.country = original.city, original.country
    session.add(copy)
    session.flush()
    audit.log_action(
        session,
        principal,
        ADOPT,
        target_type=TARGET,
        target_id=copy.id,
        org_id=org_id,
        detail={"derived_from": original.id, "tlp": copy.tlp},
    )
    audit.log_action(
        session,
        principal,
        ADOPTED,
        target_type=TARGET,
        target_id=original.id,
        org_id=org_id,
        detail={"as": copy.id, "by_org": org_id},
    )
    return copy
