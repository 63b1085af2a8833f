"""JSON API of the monitoring inbox: signals (list, read, decide), feedback on articles, and
the organisation's classifier with its effect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.monitoring import feedback, signal_inbox
from vigil.monitoring.models import SignalStatus
from vigil.monitoring.signal_schemas import (
    ClassifierRead,
    FeedbackCreate,
    FeedbackRead,
    SignalDecision,
    SignalDetail,
    SignalPage,
)

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


@router.get("/signals", response_model=SignalPage)
def list_signals(
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[SignalStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> SignalPage:
    """Signals of your organisation (and those shared with you), highest score first."""
    return signal_inbox.list_signals(
        session=session, principal=principal, status=status, limit=limit, offset=offset
    )


@router.get("/signals/{signal_id}", response_model=SignalDetail)
def get_signal(signal_id: Id, session: SessionDep, principal: PrincipalDep) -> SignalDetail:
    """One signal, its reasons and its story's articles."""
    return signal_inbox.get_signal(session=session, principal=principal, signal_id=signal_id)


@router.post("/signals/{signal_id}/decision", response_model=SignalDetail)
def decide_signal(
    signal_id: Id, data: SignalDecision, session: SessionDep, principal: PrincipalDep
) -> SignalDetail:
    """Dismiss a signal or mark it relevant (coordinators)."""
    return signal_inbox.decide(
        session=session, principal=principal, signal_id=signal_id, status=data.status
    )


@router.put("/articles/{article_id}/feedback", response_model=FeedbackRead)
def give_feedback(
    article_id: Id, data: FeedbackCreate, session: SessionDep, principal: PrincipalDep
) -> FeedbackRead:
    """Judge an article: relevant, not relevant or of the wrong type (coordinators)."""
    found = feedback.give_feedback(
        session=session,
        principal=principal,
        article_id=article_id,
        verdict=data.verdict,
        incident_type=data.incident_type,
    )
    return FeedbackRead.model_validate(found)


@router.get("/classifier", response_model=ClassifierRead)
def get_classifier(session: SessionDep, principal: PrincipalDep) -> ClassifierRead:
    """Your organisation's classifier: samples, when trained, and its measured effect."""
    return feedback.classifier_read(session=session, principal=principal)
