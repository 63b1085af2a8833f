"""After-action review: what happened, what worked, what did not, and the actions decided.

Each action feeds a measure of the incident's site (DECISIONS 9): an existing measure the
reviewer picks, or a new one made from the action through the assessments domain (source
"after_action"), so the site's next assessment starts from it. Saving again keeps the links
the form sends back, so a second save makes no second measure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.assessments.schemas import MeasureCreate
from vigil.assessments.site_measures import add_measure, site_measures
from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import N_, Invalid, NotFound
from vigil.core.policy import Principal, Role
from vigil.playbooks.models import AfterActionReview
from vigil.playbooks.models import ReviewAction as ActionRow
from vigil.playbooks.schemas import ReviewAction, ReviewActionRead, ReviewRead, ReviewWrite
from vigil.playbooks.service import add_entry, get_activation, readable_incident, require_role
from vigil.sites import service as sites_service

if TYPE_CHECKING:
    from vigil.assessments.models import SiteMeasure
    from vigil.incidents.models import Incident

MEASURE_TEXT_MIN = 3


def readable_measures(
    session: Session, principal: Principal, incident: Incident
) -> dict[int, SiteMeasure]:
    """The measures of the incident's site the principal may read (none without a site)."""
    if incident.site_id is None:
        return {}
    try:
        found = site_measures(session=session, principal=principal, site_id=incident.site_id)
    except NotFound:
        return {}
    return {m.id: m for m in found}


def read_review(*, session: Session, principal: Principal, incident_id: int) -> ReviewRead:
    activation = get_activation(session=session, principal=principal, incident_id=incident_id)
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    row = session.scalar(
        select(AfterActionReview).where(AfterActionReview.activation_id == activation.id)
    )
    # The site shows as null to a reader who may not read it, like every reference (core.policy).
    site_id = sites_service.shown_site_id(
        session=session, principal=principal, site_id=incident.site_id
    )
    if row is None:
        return ReviewRead(site_id=site_id)
    actions = list(
        session.scalars(
            select(ActionRow).where(ActionRow.review_id == row.id).order_by(ActionRow.position)
        )
    )
    measures = readable_measures(session, principal, incident) if actions else {}
    reads = []
    for a in actions:
        measure = measures.get(a.measure_id or 0)
        reads.append(
            ReviewActionRead(
                text=a.text,
                owner=a.owner,
                due_on=a.due_on,
                measure_id=a.measure_id if measure else None,
                measure_text=measure.text if measure else "",
                measure_status=measure.status if measure else "",
            )
        )
    return ReviewRead(
        what_happened=row.what_happened,
        what_worked=row.what_worked,
        what_did_not=row.what_did_not,
        actions=reads,
        site_id=site_id,
        updated_at=row.updated_at,
    )


def _measure_for(
    session: Session,
    principal: Principal,
    incident: Incident,
    measures: dict[int, SiteMeasure],
    index: int,
    action: ReviewAction,
) -> int | None:
    """The id of the site measure the action feeds: the one named, or a new one."""
    if incident.site_id is None:
        if action.measure_id is not None:
            raise Invalid(f"actions.{index}.measure_id", "the incident names no site to measure")
        return None
    if action.measure_id is not None:
        if action.measure_id not in measures:
            raise Invalid(
                f"actions.{index}.measure_id", "pick a measure of the incident's site you may see"
            )
        return action.measure_id
    if len(action.text) < MEASURE_TEXT_MIN:
        raise Invalid(f"actions.{index}.text", "say it in a few words: it becomes a measure")
    data = MeasureCreate(
        text=action.text, cost=action.cost, effort=action.effort, horizon=action.horizon
    )
    measure = add_measure(
        session=session,
        principal=principal,
        site_id=incident.site_id,
        data=data,
        source="after_action",
    )
    return measure.id


def write_review(
    *, session: Session, principal: Principal, incident_id: int, data: ReviewWrite
) -> AfterActionReview:
    activation = get_activation(session=session, principal=principal, incident_id=incident_id)
    require_role(
        principal,
        activation.org_id,
        Role.coordinator,
        N_("The after-action review needs the role %(role)s or higher in the incident's owner."),
    )
    incident = readable_incident(session=session, principal=principal, incident_id=incident_id)
    measures: dict[int, SiteMeasure] = {}
    if incident.site_id is not None and data.actions:
        try:
            found = site_measures(session=session, principal=principal, site_id=incident.site_id)
        except NotFound as exc:
            raise Invalid("actions", "the incident's site is not shared with you") from exc
        measures = {m.id: m for m in found}
    linked = [
        _measure_for(session, principal, incident, measures, index, action)
        for index, action in enumerate(data.actions)
    ]
    row = session.scalar(
        select(AfterActionReview).where(AfterActionReview.activation_id == activation.id)
    )
    first = row is None
    if row is None:
        row = AfterActionReview(activation_id=activation.id)
        session.add(row)
    row.what_happened = data.what_happened
    row.what_worked = data.what_worked
    row.what_did_not = data.what_did_not
    row.updated_by, row.updated_at = principal.person_id, utcnow()
    session.flush()
    session.execute(delete(ActionRow).where(ActionRow.review_id == row.id))
    for position, (action, measure_id) in enumerate(zip(data.actions, linked, strict=True)):
        session.add(
            ActionRow(
                review_id=row.id,
                position=position,
                text=action.text,
                owner=action.owner,
                due_on=action.due_on,
                measure_id=measure_id,
            )
        )
    created = sum(1 for a in data.actions if a.measure_id is None) if incident.site_id else 0
    add_entry(
        session,
        incident_id=incident_id,
        principal=principal,
        kind="review",
        text=("After-action review written" if first else "After-action review updated")
        + f" ({len(data.actions)} actions, {created} new site measures)",
        source="page",
    )
    audit.log_action(
        session,
        principal,
        "playbook.review",
        target_type="incidents",
        target_id=incident_id,
        org_id=activation.org_id,
        detail={"actions": len(data.actions), "new_measures": created},
    )
    return row
