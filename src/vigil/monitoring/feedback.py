"""STAND-IN for mon-signals' module of the same name (take theirs at the merge): the
coordinators' verdicts on articles, as the inbox calls it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.errors import Forbidden, NotFound
from vigil.core.policy import Principal, Role
from vigil.monitoring.models import Article, Feedback, Verdict


def give_feedback(
    *,
    session: Session,
    principal: Principal,
    article_id: int,
    verdict: Verdict,
    incident_type: str = "",
) -> Feedback:
    org_id = principal.acting_org_id
    if org_id is None or not principal.has_role(org_id, Role.coordinator):
        raise Forbidden("Coordinators of your organisation give feedback.")
    article = session.scalar(
        select(Article).where(Article.id == article_id, Article.org_id == org_id)
    )
    if article is None:
        raise NotFound("No such article among your organisation's.")
    found = session.scalar(
        select(Feedback).where(Feedback.org_id == org_id, Feedback.article_id == article_id)
    )
    if found is None:
        found = Feedback(org_id=org_id, article_id=article_id, verdict=verdict.value)
        session.add(found)
    found.verdict, found.incident_type = verdict.value, incident_type
    found.person_id = principal.person_id
    session.flush()
    audit.log_action(
        session,
        principal,
        "monitoring.feedback",
        target_type="monitoring_articles",
        target_id=article_id,
        org_id=org_id,
        detail={"verdict": verdict.value, "incident_type": incident_type},
    )
    return found
