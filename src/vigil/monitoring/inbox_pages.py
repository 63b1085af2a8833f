"""HTML pages of the monitoring inbox: the acting organisation's signals (filtered by status),
one signal with its articles and reasons, and its coordinators' actions: dismiss, mark
relevant, make an incident, compose an alert (the alerts' form, started from the signal) and
feedback on each article."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError, Invalid
from vigil.core.pages import (
    FormStr,
    SignedInDep,
    Viewer,
    page_router,
    redirect,
    render,
    tr,
    undo,
)
from vigil.core.policy import Role
from vigil.incidents.typology import IncidentType
from vigil.monitoring import feedback, inbox, signal_actions, signals
from vigil.monitoring.inbox_schemas import Decision, StatusFilter
from vigil.monitoring.models import Verdict

router = page_router()
PAGE_SIZE = 50


def may_act(viewer: Viewer, owner_org_id: int) -> bool:
    """Coordinators of the signal's organisation, acting for it, decide on it."""
    principal = viewer.principal
    return principal.acting_org_id == owner_org_id and principal.has_role(
        owner_org_id, Role.coordinator
    )


@router.get("/monitoring")
def inbox_page(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    status: Annotated[StatusFilter, Query()] = StatusFilter.open,
) -> Response:
    """Your organisation's signals, strongest first."""
    page = inbox.inbox(session=session, principal=viewer.principal, shown=status, limit=PAGE_SIZE)
    context = {
        "page": page,
        "shown": status,
        "filters": list(StatusFilter),
        "unseen_high": signals.unseen_high_signals(session, viewer.principal),
    }
    return render(request, "monitoring/inbox.html", context)


def _signal_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    signal_id: int,
    *,
    error: DomainError | None = None,
) -> Response:
    detail = inbox.signal_detail(session=session, principal=viewer.principal, signal_id=signal_id)
    context = {
        "signal": detail,
        "may_act": may_act(viewer, detail.owner_org_id),
        "verdicts": list(Verdict),
        "incident_types": list(IncidentType),
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "monitoring/signal.html", context, status_code=status)


@router.get("/monitoring/signals/{signal_id:int}")
def signal_page(
    request: Request, signal_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """One signal: its story's articles, why it is here, and what to do with it."""
    return _signal_page(request, session, viewer, signal_id)


@router.post("/monitoring/signals/{signal_id:int}/decision")
def decide(
    request: Request,
    signal_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    status: FormStr = "",
) -> Response:
    """Dismiss the signal, or mark it relevant."""
    try:
        if status not in set(Decision):
            raise Invalid("status", "choose dismissed or relevant")
        signals.decide(
            session=session, principal=viewer.principal, signal_id=signal_id, status=status
        )
    except DomainError as exc:
        undo(session, exc)
        return _signal_page(request, session, viewer, signal_id, error=exc)
    if status == Decision.dismissed:
        return redirect("/monitoring", request, tr(request, "The signal is dismissed."))
    message = tr(request, "The signal is marked relevant.")
    return redirect(f"/monitoring/signals/{signal_id}", request, message)


@router.post("/monitoring/signals/{signal_id:int}/incident")
def make_incident(
    request: Request,
    signal_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
) -> Response:
    """Make an incident from the signal and open it, with its likely duplicates."""
    try:
        made = signal_actions.make_incident(
            session=session, principal=viewer.principal, settings=settings, signal_id=signal_id
        )
    except DomainError as exc:
        undo(session, exc)
        return _signal_page(request, session, viewer, signal_id, error=exc)
    message = tr(
        request,
        "Incident #%(id)s is made from the signal. Check its place and type, and the likely "
        "duplicates at the end of the page.",
        id=made.incident_id,
    )
    return redirect(f"/incidents/{made.incident_id}", request, message)


@router.post("/monitoring/signals/{signal_id:int}/articles/{article_id:int}/feedback")
def give_feedback(
    request: Request,
    signal_id: int,
    article_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    verdict: FormStr = "",
    incident_type: FormStr = "",
) -> Response:
    """Say whether an article is relevant, not relevant, or of another type."""
    try:
        if verdict not in set(Verdict):
            raise Invalid("verdict", "choose relevant, not relevant or wrong type")
        if incident_type and incident_type not in set(IncidentType):
            raise Invalid("incident_type", "choose one of the incident types")
        if verdict == Verdict.wrong_type and not incident_type:
            raise Invalid("incident_type", "with wrong type, choose the right type")
        detail = inbox.signal_detail(
            session=session, principal=viewer.principal, signal_id=signal_id
        )
        if article_id not in {a.id for a in detail.articles}:
            raise Invalid("article_id", "this article is not one of the signal's")
        feedback.give_feedback(
            session=session,
            principal=viewer.principal,
            article_id=article_id,
            verdict=Verdict(verdict),
            incident_type=incident_type if verdict == Verdict.wrong_type else "",
        )
    except DomainError as exc:
        undo(session, exc)
        return _signal_page(request, session, viewer, signal_id, error=exc)
    message = tr(request, "Thank you: the feedback is kept and teaches the relevance model.")
    return redirect(f"/monitoring/signals/{signal_id}#article-{article_id}", request, message)
