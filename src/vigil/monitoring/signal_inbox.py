"""The monitoring inbox's reads and decisions on signals, through core.policy: a signal is read
by its organisation's members and by whomever it is shared with; its coordinators decide it."""

from __future__ import annotations

import json

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, NotFound
from vigil.core.policy import Principal, Role, scope
from vigil.monitoring.models import Article, Signal, SignalStatus, Story
from vigil.monitoring.signal_schemas import (
    ArticleSummary,
    SignalDetail,
    SignalPage,
    SignalRead,
    StorySummary,
)
from vigil.sites import service as sites_service

DECIDER_ROLE = Role.coordinator
MAX_ARTICLES_SHOWN = 200


def _readable(principal: Principal) -> Select[Signal, Story]:
    stmt = scope(select(Signal, Story).join(Story, Story.id == Signal.story_id), Signal, principal)
    if principal.acting_org_id is not None:
        stmt = stmt.where(Signal.owner_org_id == principal.acting_org_id)
    return stmt


def _read(signal: Signal, story: Story, site_id: int | None) -> SignalRead:
    return SignalRead(
        id=signal.id,
        status=SignalStatus(signal.status),
        score=signal.score,
        high=signal.notified_at is not None,
        incident_type=signal.incident_type,
        reasons=json.loads(signal.reasons or "{}"),
        site_id=site_id,
        story=StorySummary(
            id=story.id,
            title=story.title,
            first_seen_at=story.first_seen_at,
            last_seen_at=story.last_seen_at,
            article_count=story.article_count,
            languages=[code for code in story.languages.split(",") if code],
        ),
        owner_org_id=signal.owner_org_id,
        tlp=signal.tlp,
        notified_at=signal.notified_at,
        decided_at=signal.decided_at,
        created_at=signal.created_at,
        updated_at=signal.updated_at,
    )


def _reads(
    session: Session, principal: Principal, rows: list[tuple[Signal, Story]]
) -> list[SignalRead]:
    sites = sites_service.readable_site_ids(
        session=session, principal=principal, site_ids=[s.site_id for s, _ in rows]
    )
    return [_read(s, story, s.site_id if s.site_id in sites else None) for s, story in rows]


def list_signals(
    *,
    session: Session,
    principal: Principal,
    status: SignalStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> SignalPage:
    """Signals the principal may read (of the organisation it acts for, when it names one),
    highest score first, the newest first among equals."""
    stmt = _readable(principal)
    if status is not None:
        stmt = stmt.where(Signal.status == status.value)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Signal.score.desc(), Signal.id.desc()).limit(limit).offset(offset)
    ).all()
    items = _reads(session, principal, [(s, story) for s, story in rows])
    return SignalPage(items=items, total=total, limit=limit, offset=offset)


def _get(session: Session, principal: Principal, signal_id: int) -> tuple[Signal, Story]:
    row = session.execute(_readable(principal).where(Signal.id == signal_id)).first()
    if row is None:
        raise NotFound(f"No signal with id {signal_id}.")
    return row[0], row[1]


def get_signal(*, session: Session, principal: Principal, signal_id: int) -> SignalDetail:
    """One signal with its story's articles, most relevant first."""
    signal, story = _get(session, principal, signal_id)
    read = _reads(session, principal, [(signal, story)])[0]
    articles = session.scalars(
        select(Article)
        .where(Article.story_id == story.id)
        .order_by(Article.score.desc(), Article.id)
        .limit(MAX_ARTICLES_SHOWN)
    )
    summaries = [
        ArticleSummary(
            id=a.id,
            title=a.title,
            url=a.url,
            language=a.language,
            published_at=a.published_at,
            fetched_at=a.fetched_at,
            score=a.score,
            incident_type=a.incident_type,
        )
        for a in articles
    ]
    return SignalDetail(**read.model_dump(), articles=summaries)


def decide(
    *, session: Session, principal: Principal, signal_id: int, status: SignalStatus
) -> SignalDetail:
    """Dismiss a signal or mark it relevant (its organisation's coordinators), audited."""
    if status not in (SignalStatus.relevant, SignalStatus.dismissed):
        raise Forbidden("A signal is dismissed or marked relevant here.")
    signal, _story = _get(session, principal, signal_id)
    if not principal.has_role(signal.owner_org_id, DECIDER_ROLE):
        raise Forbidden("Only the organisation's coordinators decide its signals.")
    before = signal.status
    signal.status = status.value
    signal.decided_by_id = principal.person_id
    signal.decided_at = signal.updated_at = utcnow()
    audit.log_action(
        session,
        principal,
        "monitoring.signal.decide",
        target_type="monitoring_signals",
        target_id=signal.id,
        org_id=signal.owner_org_id,
        detail={"from": before, "to": status.value},
    )
    session.flush()
    return get_signal(session=session, principal=principal, signal_id=signal_id)


def unseen_high_signals(session: Session, principal: Principal) -> int:
    """High signals not yet decided that the principal may read, of the organisations it is
    in (of the one it acts for, when it names one): the banner's count."""
    if principal.is_anonymous or not principal.org_ids:
        return 0
    stmt = scope(select(func.count(Signal.id)), Signal, principal).where(
        Signal.status == SignalStatus.new.value,
        Signal.notified_at.is_not(None),
        Signal.owner_org_id.in_(
            [principal.acting_org_id] if principal.acting_org_id else sorted(principal.org_ids)
        ),
    )
    return session.scalar(stmt) or 0
