"""Signals: a story of an organisation that touches what it watches (one of its sites named, a
place named near a site or a watched point, a watched term) with a relevance score from the
organisation's threshold on becomes one signal in its monitoring inbox, raised again as the
story grows and never duplicated. A high signal e-mails the organisation's coordinators once,
through the outbox.

Raising is the analysis job's system work (vigil.monitoring.analysing); reading and deciding
are the inbox's (vigil.monitoring.signal_inbox).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.localisation import DEFAULT_LOCALE, gettext_for
from vigil.core.mail import queue_email
from vigil.core.policy import TLP
from vigil.monitoring.models import Article, Signal, Story
from vigil.orgs import directory as orgs_directory

MAX_WATCH_REASONS = 50


def _distinct(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for hit in hits:
        key = (
            hit.get("kind"),
            hit.get("watch_id"),
            hit.get("site_id"),
            hit.get("name"),
            hit.get("place"),
        )
        found.setdefault(key, hit)
    return list(found.values())[:MAX_WATCH_REASONS]


def raise_signals(
    *, session: Session, settings: Settings, org_id: int, story_ids: Collection[int]
) -> list[Signal]:
    """Create or raise the signal of each touched story that is watched and relevant enough;
    returns them. One query each for the stories, their articles and their signals."""
    if not story_ids:
        return []
    stories = {
        story.id: story for story in session.scalars(select(Story).where(Story.id.in_(story_ids)))
    }
    hits: dict[int, list[dict[str, Any]]] = {}
    best: dict[int, tuple[float, bool]] = {}
    candidates: set[int] = set()
    rows = session.execute(
        select(Article.story_id, Article.score, Article.entities).where(
            Article.story_id.in_(story_ids)
        )
    )
    for found_id, score, entities in rows:
        story_id = int(found_id or 0)
        data = json.loads(entities or "{}")
        hits.setdefault(story_id, []).extend(data.get("watch_hits", []))
        if data.get("signal"):
            candidates.add(story_id)
        if story_id not in best or score > best[story_id][0]:
            best[story_id] = (score, bool(data.get("antisemitic")))
    existing = {
        signal.story_id: signal
        for signal in session.scalars(
            select(Signal).where(Signal.owner_org_id == org_id, Signal.story_id.in_(story_ids))
        )
    }
    raised: list[Signal] = []
    for story_id in sorted(stories):
        story = stories[story_id]
        watches = _distinct(hits.get(story_id, []))
        if story_id not in candidates or story.score < settings.monitoring_signal_threshold:
            continue
        reasons = {
            "watches": watches,
            "terms": json.loads(story.reasons or "[]"),
            "antisemitic": best.get(story_id, (0.0, False))[1],
        }
        signal = existing.get(story_id)
        if signal is None:
            signal = Signal(owner_org_id=org_id, tlp=TLP.amber.value, story_id=story_id, score=-1.0)
            session.add(signal)
        if story.score >= signal.score:
            signal.score, signal.incident_type = story.score, story.incident_type
        signal.reasons = json.dumps(reasons, ensure_ascii=False, sort_keys=True)
        signal.site_id = next((w["site_id"] for w in watches if w.get("site_id")), None)
        signal.updated_at = utcnow()
        session.flush()
        if signal.score >= settings.monitoring_high_signal_threshold and signal.notified_at is None:
            notify_coordinators(session=session, settings=settings, signal=signal, story=story)
        raised.append(signal)
    return raised


def notify_coordinators(
    *, session: Session, settings: Settings, signal: Signal, story: Story
) -> int:
    """E-mail the organisation's coordinators about a high signal, once (`notified_at`), each
    in their language; returns how many were queued."""
    signal.notified_at = utcnow()
    link = f"{settings.public_url}/monitoring/signals/{signal.id}"
    watched = ", ".join(
        sorted({str(w.get("name", "")) for w in json.loads(signal.reasons).get("watches", [])})
    )
    queued = 0
    for _person_id, name, address, locale in orgs_directory.coordinator_addresses(
        session=session, org_id=signal.owner_org_id
    ):
        _ = gettext_for(locale or DEFAULT_LOCALE)
        queue_email(
            session,
            to=address,
            subject=_("High monitoring signal: {title}").format(title=story.title[:150]),
            text=_(
                "Hello {name},\n\n"
                "A story in the news touches what your organisation watches ({watched}) and "
                "scores {score:.2f}{kind}.\n\n"
                "{title}\n{count} article(s), first seen {first}.\n\n"
                "Open the signal: {link}\n"
            ).format(
                name=name,
                watched=watched,
                score=signal.score,
                kind=f" ({signal.incident_type})" if signal.incident_type else "",
                title=story.title,
                count=story.article_count,
                first=story.first_seen_at.isoformat(timespec="minutes"),
                link=link,
            ),
        )
        queued += 1
    return queued
