"""Groupings: a set of incidents an analyst shares on purpose, as one STIX `grouping`.

A grouping is a shareable record of its own (owner, TLP, recipients), read through
`core.policy` like any other. It names incidents only by their STIX ids, and only incidents its
maker may read; its TLP may be no looser than the strictest of them, so that a grouping never
goes further than any of the incidents it names. RED never leaves, so a RED grouping is refused.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.errors import Invalid, NotFound
from vigil.core.policy import TLP, Principal, Role, acting_org, scope
from vigil.incidents import service as incidents_service
from vigil.orgs.recipients import (
    TLP_ORDER,
    check_recipients,
    get_recipients,
    recipients_of,
    set_recipients,
)
from vigil.sharing.models import SharedGrouping
from vigil.sharing.schemas import GroupingCreate, GroupingRead


def _strictest(tlps: list[TLP]) -> TLP:
    return min(tlps, key=TLP_ORDER.index)


def grouping_read(row: SharedGrouping, recipients_orgs: list[int]) -> GroupingRead:
    return GroupingRead(
        id=row.id,
        owner_org_id=row.owner_org_id,
        name=row.name,
        description=row.description,
        incident_ids=json.loads(row.incident_ids),
        tlp=TLP(row.tlp),
        recipient_org_ids=recipients_orgs,
        created_at=row.created_at,
    )


def create_grouping(
    *, session: Session, principal: Principal, data: GroupingCreate
) -> GroupingRead:
    """Share the chosen incidents together (analysts and above of the acting organisation);
    audited with the incidents it names."""
    org_id = acting_org(principal, Role.analyst)
    if data.tlp is TLP.red:
        raise Invalid("tlp", "TLP:RED never leaves the instance: a grouping cannot be RED.")
    wanted = list(dict.fromkeys(data.incident_ids))
    tlps: list[TLP] = []
    for incident_id in wanted:
        try:
            incident = incidents_service.get_incident(
                session=session, principal=principal, incident_id=incident_id
            )
        except NotFound:
            raise NotFound("Incident %(id)s not found.", id=incident_id) from None
        tlps.append(TLP(incident.tlp))
    strictest = _strictest(tlps)
    if TLP_ORDER.index(data.tlp) > TLP_ORDER.index(strictest):
        raise Invalid(
            "tlp",
            "TLP:%(tlp)s is looser than the strictest of its incidents (TLP:%(strictest)s): "
            "a grouping may go no further than any of them.",
            tlp=data.tlp.value.upper(),
            strictest=strictest.value.upper(),
        )
    check_recipients(session, data.recipients)
    row = SharedGrouping(
        owner_org_id=org_id,
        author_id=principal.person_id,
        name=data.name,
        description=data.description,
        incident_ids=json.dumps(wanted),
        tlp=data.tlp.value,
    )
    session.add(row)
    session.flush()
    set_recipients(session, row, data.recipients)
    audit.log_action(
        session,
        principal,
        "sharing.grouping.create",
        target_type="stix_groupings",
        target_id=row.id,
        org_id=org_id,
        detail={"tlp": data.tlp.value, "incident_ids": wanted},
    )
    return grouping_read(row, get_recipients(session, row).organisation_ids)


def groupings_to_share(*, session: Session, principal: Principal, limit: int) -> list[GroupingRead]:
    """The newest groupings the principal may read (core.policy), RED never."""
    stmt = scope(
        select(SharedGrouping)
        .where(SharedGrouping.tlp != TLP.red.value)
        .order_by(SharedGrouping.created_at.desc(), SharedGrouping.id.desc())
        .limit(limit),
        SharedGrouping,
        principal,
    )
    rows = list(session.scalars(stmt))
    recipients = recipients_of(session, SharedGrouping, [r.id for r in rows])
    return [
        grouping_read(r, recipients[r.id].organisation_ids if r.id in recipients else [])
        for r in rows
    ]
