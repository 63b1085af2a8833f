"""After-action review: what happened, what worked, what did not, and the actions decided.

Each action may name the measure of the site's assessment it feeds (`measure_ref`); linking it
to an assessment measure, or creating the measure (DECISIONS 9), belongs to the assessments
domain, which reads these actions when it starts the next assessment.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.policy import Principal
from vigil.orgs.models import Role
from vigil.playbooks.models import AfterActionReview
from vigil.playbooks.models import ReviewAction as ActionRow
from vigil.playbooks.schemas import ReviewAction, ReviewRead, ReviewWrite
from vigil.playbooks.service import add_entry, get_activation, require_role


def read_review(*, session: Session, principal: Principal, incident_id: int) -> ReviewRead:
    activation = get_activation(session=session, principal=principal, incident_id=incident_id)
    row = session.scalar(
        select(AfterActionReview).where(AfterActionReview.activation_id == activation.id)
    )
    if row is None:
        return ReviewRead()
    actions = session.scalars(
        select(ActionRow).where(ActionRow.review_id == row.id).order_by(ActionRow.position)
    )
    return ReviewRead(
        what_happened=row.what_happened,
        what_worked=row.what_worked,
        what_did_not=row.what_did_not,
        actions=[
            ReviewAction(text=a.text, owner=a.owner, due_on=a.due_on, measure_ref=a.measure_ref)
            for a in actions
        ],
        updated_at=row.updated_at,
    )


def write_review(
    *, session: Session, principal: Principal, incident_id: int, data: ReviewWrite
) -> AfterActionReview:
    activation = get_activation(session=session, principal=principal, incident_id=incident_id)
    require_role(principal, activation.org_id, Role.coordinator, "The after-action review")
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
    for position, action in enumerate(data.actions):
        session.add(
            ActionRow(
                review_id=row.id,
                position=position,
                text=action.text,
                owner=action.owner,
                due_on=action.due_on,
                measure_ref=action.measure_ref or None,
            )
        )
    add_entry(
        session,
        incident_id=incident_id,
        principal=principal,
        kind="review",
        text=("After-action review written" if first else "After-action review updated")
        + f" ({len(data.actions)} actions)",
        source="page",
    )
    audit.log_action(
        session,
        principal,
        "playbook.review",
        target_type="incidents",
        target_id=incident_id,
        org_id=activation.org_id,
        detail={"actions": len(data.actions)},
    )
    return row
