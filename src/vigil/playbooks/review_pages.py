"""The after-action review page: what happened, what worked, what did not, and the actions
decided, each feeding a measure of the site (DECISIONS 9). Coordinators write it; whoever may
read the incident reads it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep
from vigil.core.errors import DomainError
from vigil.core.pages import (
    SignedInDep,
    Viewer,
    page_router,
    parse_form,
    redirect,
    render,
    tr,
    undo,
)
from vigil.core.policy import Role
from vigil.playbooks import review, service
from vigil.playbooks.schemas import ReviewWrite

router = page_router()
FormStr = Annotated[str, Form()]
REVIEW_ROWS = 3  # empty action rows offered below the saved ones
FormList = Annotated[list[str], Form()]


def _review_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    incident_id: int,
    *,
    form: ReviewWrite | None = None,
    error: DomainError | None = None,
) -> Response:
    incident = service.readable_incident(
        session=session, principal=viewer.principal, incident_id=incident_id
    )
    saved = review.read_review(session=session, principal=viewer.principal, incident_id=incident_id)
    context = {
        "incident": incident,
        "review": form or saved,
        "updated_at": saved.updated_at,
        "empty_rows": REVIEW_ROWS,
        "has_site": incident.site_id is not None,
        "measures": list(review.readable_measures(session, viewer.principal, incident).values()),
        "can_edit": viewer.principal.has_role(incident.owner_org_id, Role.coordinator),
        "error": error,
    }
    return render(
        request, "playbooks/review.html", context, status_code=error.status if error else 200
    )


@router.get("/incidents/{incident_id:int}/review")
def review_page(
    request: Request, incident_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The after-action review: what happened, what worked, what did not, and actions."""
    return _review_page(request, session, viewer, incident_id)


@router.post("/incidents/{incident_id:int}/review")
def save_review(
    request: Request,
    incident_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    what_happened: FormStr = "",
    what_worked: FormStr = "",
    what_did_not: FormStr = "",
    action_text: FormList = [],  # noqa: B006 - FastAPI copies it
    action_owner: FormList = [],  # noqa: B006
    action_due: FormList = [],  # noqa: B006
    action_measure: FormList = [],  # noqa: B006
) -> Response:
    """Save the review (coordinators); rows without an action text are left out."""
    rows = zip(action_text, action_owner, action_due, action_measure, strict=False)
    actions = [
        {"text": t, "owner": o, "due_on": d or None, "measure_id": None if m in ("", "new") else m}
        for t, o, d, m in rows
        if t.strip()
    ]
    values = {
        "what_happened": what_happened,
        "what_worked": what_worked,
        "what_did_not": what_did_not,
        "actions": actions,
    }
    try:
        data = parse_form(ReviewWrite, **values)
        review.write_review(
            session=session, principal=viewer.principal, incident_id=incident_id, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        form = ReviewWrite.model_construct(
            what_happened=what_happened, what_worked=what_worked, what_did_not=what_did_not
        )
        return _review_page(request, session, viewer, incident_id, form=form, error=exc)
    return redirect(
        f"/incidents/{incident_id}/review", request, tr(request, "The review is saved.")
    )
