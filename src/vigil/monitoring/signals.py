"""Signals: a story of an organisation that touches what it watches (one of its sites named, a
place named near a site or a watched point, a watched term) with a relevance score from the
organisation's threshold on becomes one signal in its monitoring inbox, raised again as the
story grows and never duplicated. A high signal e-mails the organisation's coordinators once,
through the outbox.

Raising is the analysis job's system work (vigil.monitoring.analysing). The inbox
(vigil.monitoring.inbox lists them) reads and decides signals through `get_signal`, `decide`
and `unseen_high_signals`, scoped by core.policy.

A signal's `reasons` is a JSON list, each item with `label`, `term` and `where` (what the
inbox shows): first what of the watchlist the story touched (`watch:site`, `watch:place` with
the place named, the watched point and its distance, `watch:term` with the words as written),
then the lexicon's terms of its most relevant article (`type:damage`, `jewish`, ... with their
weights), and `reading:antisemitic` when the lexicon read an antisemitic incident.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.config import Settings, get_settings
from vigil.core.db import utcnow
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.localisation import gettext_for
from vigil.core.mail import moment, queue_email
from vigil.core.policy import TLP, Principal, Role, scope
from vigil.monitoring.article_entities import load_entities
from vigil.monitoring.models import Article, Signal, SignalStatus, Story
from vigil.orgs import directory as orgs_directory
from vigil.orgs import languages as orgs_languages

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


def _watch_reason(hit: dict[str, Any]) -> dict[str, Any]:
    """A watch hit as a reason the inbox shows: the words found, and where."""
    kind = hit.get("kind", "")
    term = hit.get("place") if kind == "place" else hit.get("as_written") or hit.get("name")
    where = hit.get("where", "") if kind == "term" else ""
    return {**hit, "label": f"watch:{kind}", "term": term or "", "where": where}


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
        data = load_entities(entities)
        hits.setdefault(story_id, []).extend(data.watch_hits)
        if data.signal:
            candidates.add(story_id)
        if story_id not in best or score > best[story_id][0]:
            best[story_id] = (score, data.antisemitic)
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
        antisemitic = best.get(story_id, (0.0, False))[1]
        reasons = [
            *(_watch_reason(hit) for hit in watches),
            *json.loads(story.reasons or "[]"),
            *([{"label": "reading:antisemitic", "term": "", "where": ""}] if antisemitic else []),
        ]
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
    in their language and zone (orgs.languages); returns how many were queued."""
    signal.notified_at = utcnow()
    link = f"{settings.public_url}/monitoring/signals/{signal.id}"
    watched = ", ".join(
        sorted(
            {
                str(r.get("name", ""))
                for r in json.loads(signal.reasons)
                if str(r.get("label", "")).startswith("watch:")
            }
        )
    )
    queued = 0
    coordinators = orgs_directory.coordinator_addresses(session=session, org_id=signal.owner_org_id)
    readers = orgs_languages.recipient_readers(
        session=session, person_ids=[c[0] for c in coordinators], org_id=signal.owner_org_id
    )
    for person_id, name, address, _locale in coordinators:
        reader = readers[person_id]
        _ = gettext_for(reader.locale)
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
                first=moment(story.first_seen_at, locale=reader.locale, zone=reader.zone),
                link=link,
            ),
        )
        queued += 1
    return queued


# --- the inbox's reads and decisions --------------------------------------------------------

DECISIONS = (SignalStatus.dismissed, SignalStatus.relevant)


def get_signal(*, session: Session, principal: Principal, signal_id: int) -> Signal:
    found = session.scalar(scope(select(Signal).where(Signal.id == signal_id), Signal, principal))
    if found is None:
        raise NotFound("No such signal, or it is not shared with you.")
    return found


def decide(
    *, session: Session, principal: Principal, signal_id: int, status: str | SignalStatus
) -> Signal:
    """Dismiss a signal or mark it relevant: its organisation's coordinators, audited."""
    signal = get_signal(session=session, principal=principal, signal_id=signal_id)
    if status not in {s.value for s in DECISIONS}:
        raise Invalid("status", "choose dismissed or relevant")
    if not principal.has_role(signal.owner_org_id, Role.coordinator):
        raise Forbidden("Coordinators of its organisation decide on a signal.")
    before = signal.status
    signal.status = SignalStatus(status).value
    signal.decided_by_id, signal.decided_at = principal.person_id, utcnow()
    audit.log_action(
        session,
        principal,
        f"monitoring.signal.{signal.status}",
        target_type="monitoring_signals",
        target_id=signal.id,
        org_id=signal.owner_org_id,
        detail={"from": before},
    )
    return signal


def unseen_high_signals(
    session: Session, principal: Principal, *, threshold: float | None = None
) -> int:
    """New high signals of the organisation the principal acts for that it may read: the
    banner's count. High: its coordinators were e-mailed, or its score is from the high
    threshold on (the setting unless given)."""
    org_id = principal.acting_org_id
    if org_id is None:
        return 0
    if threshold is None:
        threshold = get_settings().monitoring_high_signal_threshold
    stmt = select(func.count(Signal.id)).where(
        Signal.owner_org_id == org_id,
        Signal.status == SignalStatus.new.value,
        or_(Signal.notified_at.is_not(None), Signal.score >= threshold),
    )
    return int(session.scalar(scope(stmt, Signal, principal)) or 0)
