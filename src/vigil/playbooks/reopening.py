"""The way back to routine: coordinators tick the playbook's reopening criteria, and when the
last one is met the response records that the incident is back to routine, with how long it
took from when the incident began (the time-to-routine the metrics count).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import N_, Conflict, NotFound
from vigil.core.policy import Principal, Role
from vigil.playbooks.models import Activation, ReopeningState
from vigil.playbooks.reading import activation_of
from vigil.playbooks.service import add_entry, readable_incident, require_role


def set_criterion(
    *,
    session: Session,
    principal: Principal,
    incident_id: int,
    code: str,
    met: bool,
    source: str = "api",
) -> Activation:
    """Tick a reopening criterion; when the last one is met the incident is back to routine."""
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    activation = activation_of(session, incident_id)
    if activation is None:
        raise NotFound("No playbook is active on this incident.")
    require_role(
        principal,
        activation.org_id,
        Role.coordinator,
        N_("Reopening criteria need the role %(role)s or higher in the incident's owner."),
    )
    # Locks the activation so two coordinators ticking the last two criteria cannot both miss it.
    session.scalar(select(Activation.id).where(Activation.id == activation.id).with_for_update())
    session.refresh(activation)
    if activation.returned_to_routine_at is not None:
        raise Conflict("The incident is already back to routine; the criteria are closed.")
    state = session.scalar(
        select(ReopeningState).where(
            ReopeningState.activation_id == activation.id, ReopeningState.code == code
        )
    )
    if state is None:
        raise NotFound("No such reopening criterion in this playbook.")
    now = utcnow()
    state.met_at, state.met_by = (now, principal.person_id) if met else (None, None)
    session.flush()
    word = "met" if met else "no longer met"
    add_entry(
        session,
        incident_id=incident_id,
        principal=principal,
        kind="reopening",
        text=f"Reopening criterion {word}: {state.text}",
        source=source,
        at=now,
    )
    unmet = session.scalar(
        select(func.count())
        .select_from(ReopeningState)
        .where(ReopeningState.activation_id == activation.id, ReopeningState.met_at.is_(None))
    )
    if unmet == 0:
        activation.returned_to_routine_at = now
        hours = (now - incident.occurred_from).total_seconds() / 3600
        add_entry(
            session,
            incident_id=incident_id,
            principal=principal,
            kind="routine",
            text=f"Back to routine: every reopening criterion is met, {hours:.1f} h after it began",
            source=source,
            at=now,
        )
    audit.log_action(
        session,
        principal,
        "playbook.reopening",
        target_type="incidents",
        target_id=incident_id,
        org_id=activation.org_id,
        detail={"criterion": code, "met": met, "routine": unmet == 0},
    )
    return activation
