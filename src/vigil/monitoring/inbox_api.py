"""JSON routes of the monitoring inbox: the acting organisation's signals, one signal with its
articles, and what its coordinators make of it (a decision, feedback on an article, an incident,
an alert)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.core.errors import Invalid
from vigil.monitoring import feedback, inbox, signal_actions, signals
from vigil.monitoring.inbox_schemas import (
    AlertMade,
    ArticleFeedback,
    IncidentMade,
    SignalAlertCreate,
    SignalDecision,
    SignalDetail,
    SignalPage,
    SignalRead,
    StatusFilter,
)

router = APIRouter(prefix="/api/v1/monitoring/signals", tags=["monitoring"])
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


@router.get("", response_model=SignalPage)
def list_signals(
    session: SessionDep,
    principal: PrincipalDep,
    status: StatusFilter = StatusFilter.all,
    limit: Annotated[int, Query(ge=1, le=inbox.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> SignalPage:
    """Your organisation's signals, highest score first (`status=open`: new and relevant)."""
    return inbox.inbox(
        session=session, principal=principal, shown=status, limit=limit, offset=offset
    )


@router.get("/{signal_id}", response_model=SignalDetail)
def get_signal(signal_id: Id, session: SessionDep, principal: PrincipalDep) -> SignalDetail:
    """One signal with its story's articles and reasons, if it is shared with you."""
    return inbox.signal_detail(session=session, principal=principal, signal_id=signal_id)


@router.post("/{signal_id}/decision", response_model=SignalRead)
def decide(
    signal_id: Id, data: SignalDecision, session: SessionDep, principal: PrincipalDep
) -> SignalRead:
    """Dismiss the signal or mark it relevant (coordinators); audited."""
    signals.decide(
        session=session, principal=principal, signal_id=signal_id, status=data.status.value
    )
    return inbox.signal_detail(session=session, principal=principal, signal_id=signal_id)


@router.post("/{signal_id}/articles/{article_id}/feedback", response_model=SignalDetail)
def give_feedback(
    signal_id: Id,
    article_id: Id,
    data: ArticleFeedback,
    session: SessionDep,
    principal: PrincipalDep,
) -> SignalDetail:
    """Say whether an article of the signal is relevant, not relevant, or of another type;
    the organisation's classifier learns from it."""
    detail = inbox.signal_detail(session=session, principal=principal, signal_id=signal_id)
    if article_id not in {a.id for a in detail.articles}:
        raise Invalid("article_id", "article %(id)s is not one of this signal's", id=article_id)
    feedback.give_feedback(
        session=session,
        principal=principal,
        article_id=article_id,
        verdict=data.verdict,
        incident_type=data.incident_type.value if data.incident_type else "",
    )
    return inbox.signal_detail(session=session, principal=principal, signal_id=signal_id)


@router.post("/{signal_id}/incident", response_model=IncidentMade, status_code=201)
def make_incident(
    signal_id: Id, session: SessionDep, settings: SettingsDep, principal: PrincipalDep
) -> IncidentMade:
    """Make an incident from the signal (source `monitoring`, its articles as sources, place
    and type from the signal); `GET /api/v1/incidents/{id}/duplicates` lists likely duplicates."""
    made = signal_actions.make_incident(
        session=session, principal=principal, settings=settings, signal_id=signal_id
    )
    return IncidentMade(signal_id=signal_id, incident_id=made.incident_id, report_id=made.report_id)


@router.post("/{signal_id}/alert", response_model=AlertMade, status_code=201)
def compose_alert(
    signal_id: Id,
    data: SignalAlertCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> AlertMade:
    """An alert about the signal, filled in from it where the body is silent; sent unless
    `send` is false (then a draft); the signal records it."""
    made = signal_actions.compose_alert(
        session=session, principal=principal, settings=settings, signal_id=signal_id, data=data
    )
    return AlertMade(
        signal_id=signal_id, alert_id=made.alert_id, sent=data.send, queued=made.queued
    )
