"""JSON API of coordinators' feedback on any article of their organisation, and of the
classifier it trains with its measured effect (the signals' own API is the inbox's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from vigil.core.deps import PrincipalDep, SessionDep
from vigil.monitoring import feedback
from vigil.monitoring.feedback_schemas import ClassifierRead, FeedbackCreate, FeedbackRead

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


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
