"""Coordinators' verdicts on articles (relevant, not relevant, wrong type): kept per
organisation, one per article, and each one has the organisation's classifier retrained by the
worker (vigil.monitoring.classifier)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role
from vigil.monitoring.classifier import request_training
from vigil.monitoring.feedback_schemas import ClassifierRead
from vigil.monitoring.models import Article, Classifier, Feedback, Verdict

FEEDBACK_ROLE = Role.coordinator


def give_feedback(
    *,
    session: Session,
    principal: Principal,
    article_id: int,
    verdict: Verdict,
    incident_type: str = "",
) -> Feedback:
    """Keep the coordinator's verdict on an article of their organisation (the last one counts)
    and have the organisation's classifier retrained."""
    article = session.get(Article, article_id)
    if article is None or article.org_id not in principal.org_ids:
        raise NotFound("No article with id %(id)s.", id=article_id)
    org_id = article.org_id
    if not principal.has_role(org_id, FEEDBACK_ROLE):
        raise Forbidden("Only the organisation's coordinators judge its articles.")
    if verdict == Verdict.wrong_type and not incident_type.strip():
        raise Invalid("incident_type", "say which type is right when the type is wrong")
    feedback = session.scalar(
        select(Feedback).where(Feedback.org_id == org_id, Feedback.article_id == article_id)
    )
    if feedback is None:
        feedback = Feedback(org_id=org_id, article_id=article_id)
        session.add(feedback)
    feedback.verdict = verdict.value
    feedback.incident_type = incident_type.strip()[:64]
    feedback.person_id = principal.person_id
    session.flush()
    request_training(session, org_id)
    audit.log_action(
        session,
        principal,
        "monitoring.feedback",
        target_type="monitoring_articles",
        target_id=article_id,
        org_id=org_id,
        detail={"verdict": verdict.value},
    )
    return feedback


def classifier_read(*, session: Session, principal: Principal) -> ClassifierRead:
    """The acting organisation's classifier and its measured effect (its members)."""
    org_id = principal.acting_org_id
    if org_id is None or org_id not in principal.org_ids:
        raise Invalid("X-Vigil-Org", "say which of your organisations you act for")
    row = session.get(Classifier, org_id)
    if row is None:
        return ClassifierRead(trained=False, samples=0, trained_at=None, effect={})
    return ClassifierRead(
        trained=True, samples=row.samples, trained_at=row.trained_at, effect=json.loads(row.effect)
    )
