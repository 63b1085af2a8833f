"""The monitoring inbox as its pages and API show it: the acting organisation's signals with
their story (title, languages, articles, first seen), site and reasons, and one signal with
its articles and the organisation's feedback on each.

Signals are read through core.policy; a story and its articles are reached only through a
signal the reader may read (they are the signal owner's sources' articles, public texts)."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core.errors import NotFound
from vigil.core.policy import Principal, scope
from vigil.monitoring import signals
from vigil.monitoring.inbox_schemas import (
    ArticleRead,
    ReasonRead,
    SignalDetail,
    SignalPage,
    SignalRead,
    StatusFilter,
)
from vigil.monitoring.models import Article, Feedback, Signal, SignalStatus, Source, Story
from vigil.sites import service as sites_service

OPEN = (SignalStatus.new.value, SignalStatus.relevant.value)
MAX_PAGE = 200


def statuses_of(shown: StatusFilter) -> tuple[str, ...] | None:
    """The statuses a filter lists; None for all."""
    if shown is StatusFilter.all:
        return None
    if shown is StatusFilter.open:
        return OPEN
    return (shown.value,)


def reasons_of(raw: str) -> list[ReasonRead]:
    """The reasons kept as JSON; anything else in it (older or newer shapes) is read as far as
    it goes rather than failing the page."""
    try:
        found = json.loads(raw or "[]")
    except ValueError:
        return []
    reasons: list[ReasonRead] = []
    for item in found if isinstance(found, list) else []:
        if isinstance(item, dict):
            distance = item.get("distance_km")
            reasons.append(
                ReasonRead(
                    label=str(item.get("label", "")),
                    term=str(item.get("term", "")),
                    where=str(item.get("where", "")),
                    name=str(item.get("name", "")),
                    distance_km=float(distance) if isinstance(distance, int | float) else None,
                )
            )
        elif isinstance(item, str):
            reasons.append(ReasonRead(label=item))
    return reasons


def _read(signal: Signal, story: Story, site_names: dict[int, str]) -> SignalRead:
    site_id = signal.site_id if signal.site_id in site_names else None
    return SignalRead(
        id=signal.id,
        status=SignalStatus(signal.status),
        score=signal.score,
        high=signal.notified_at is not None,
        incident_type=signal.incident_type or story.incident_type,
        story_id=story.id,
        title=story.title,
        languages=[code for code in story.languages.split(",") if code],
        article_count=story.article_count,
        first_seen_at=story.first_seen_at,
        last_seen_at=story.last_seen_at,
        site_id=site_id,
        site_name=site_names.get(site_id, "") if site_id is not None else "",
        reasons=reasons_of(signal.reasons),
        incident_id=signal.incident_id,
        alert_id=signal.alert_id,
        owner_org_id=signal.owner_org_id,
        tlp=signal.tlp,
        created_at=signal.created_at,
        decided_at=signal.decided_at,
    )


def _site_names(
    session: Session, principal: Principal, site_ids: Iterable[int | None]
) -> dict[int, str]:
    wanted = {s for s in site_ids if s is not None}
    if not wanted:
        return {}
    return sites_service.readable_site_names(session=session, principal=principal, site_ids=wanted)


def _inbox_query(principal: Principal, statuses: Collection[str] | None) -> Any:
    stmt = select(Signal, Story).join(Story, Story.id == Signal.story_id)
    if principal.acting_org_id is not None:  # the acting organisation's own inbox
        stmt = stmt.where(Signal.owner_org_id == principal.acting_org_id)
    if statuses is not None:
        stmt = stmt.where(Signal.status.in_(list(statuses)))
    return scope(stmt, Signal, principal)


def inbox(
    *,
    session: Session,
    principal: Principal,
    shown: StatusFilter = StatusFilter.open,
    limit: int = 50,
    offset: int = 0,
) -> SignalPage:
    """The inbox, highest score first and, at the same score, newest first: a strong signal
    stays on top until someone decides on it."""
    statuses = statuses_of(shown)
    stmt = _inbox_query(principal, statuses)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Signal.score.desc(), Signal.updated_at.desc(), Signal.id.desc())
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).all()
    names = _site_names(session, principal, (signal.site_id for signal, _ in rows))
    return SignalPage(
        items=[_read(signal, story, names) for signal, story in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


def story_articles(session: Session, signal: Signal) -> list[tuple[Article, str]]:
    """The articles of the signal's story read from its organisation's sources, oldest first,
    each with its source's name."""
    stmt = (
        select(Article, Source.name)
        .join(Source, Source.id == Article.source_id)
        .where(Article.story_id == signal.story_id, Article.org_id == signal.owner_org_id)
        .order_by(func.coalesce(Article.published_at, Article.fetched_at), Article.id)
    )
    return [(article, name) for article, name in session.execute(stmt)]


def signal_detail(*, session: Session, principal: Principal, signal_id: int) -> SignalDetail:
    signal = signals.get_signal(session=session, principal=principal, signal_id=signal_id)
    story = session.get(Story, signal.story_id)
    if story is None:  # the story was purged with its articles
        raise NotFound("This signal's story is no longer kept.")
    articles = story_articles(session, signal)
    # Feedback is the owner's own: a reader the signal was shared with sees none.
    owner_reads = principal.acting_org_id == signal.owner_org_id
    verdicts: dict[int, str] = {}
    if owner_reads:
        rows = session.execute(
            select(Feedback.article_id, Feedback.verdict).where(
                Feedback.org_id == signal.owner_org_id,
                Feedback.article_id.in_([a.id for a, _ in articles]),
            )
        )
        verdicts = {article_id: verdict for article_id, verdict in rows}
    names = _site_names(session, principal, [signal.site_id])
    read = _read(signal, story, names)
    return SignalDetail(
        **dict(read),  # its reasons as read, with what only the page shows
        articles=[
            ArticleRead(
                id=a.id,
                title=a.title,
                url=a.url,
                source_id=a.source_id,
                source_name=source_name,
                language=a.language,
                published_at=a.published_at,
                fetched_at=a.fetched_at,
                verdict=verdicts.get(a.id),
            )
            for a, source_name in articles
        ],
    )
