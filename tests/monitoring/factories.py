"""Stories, articles and signals written straight into the tables, as the analysis job leaves
them (signals.py's reasons, analysing's entities): the inbox's tests need signals whatever the
analysis would raise."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from vigil.core.policy import TLP
from vigil.monitoring.models import Article, Signal, Source, Story

_seq = itertools.count(1)
# As signals.py keeps them: the watch touched, then the lexicon's terms.
REASONS = [
    {"label": "watch:site", "term": "Synagogue Rykestrasse", "where": "", "kind": "site",
     "site_id": None, "name": "Synagogue Rykestrasse"},
    {"label": "threat", "term": "anzugreifen", "where": "text", "weight": 0.6},
]  # fmt: skip


@dataclass(frozen=True)
class MadeSignal:
    id: int
    story_id: int
    article_ids: list[int]


def make_source(session: Session, org_id: int, *, name: str = "", language: str = "") -> Source:
    n = next(_seq)
    source = Source(
        owner_org_id=org_id,
        tlp=TLP.amber.value,
        name=name or f"Outlet {n}",
        url=f"http://127.0.0.1:9/feed-{n}.xml",
        language=language,
    )
    session.add(source)
    session.flush()
    return source


def make_signal(
    session: Session,
    org_id: int,
    *,
    title: str = "Threatening letters sent to a Berlin synagogue",
    score: float = 0.9,
    incident_type: str = "threat",
    site_id: int | None = None,
    articles: Sequence[tuple[str, str]] = (
        ("Drohbriefe an die Synagoge Rykestraße", "de"),
        ("Berlin synagogue receives threatening letters", "en"),
    ),
    mentions: Sequence[dict[str, object]] = (),
    reasons: Sequence[dict[str, object]] = tuple(REASONS),
    site_hit: int | None = None,
    tlp: TLP = TLP.amber,
    status: str = "new",
    hours_ago: int = 3,
) -> MadeSignal:
    """A signal of `org_id` on a new story of `articles` (title, language), each from its own
    source of the organisation."""
    if site_hit is not None:  # the story names that site
        reasons = [{**r, "site_id": site_hit} if r.get("kind") == "site" else r for r in reasons]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    published = now - dt.timedelta(hours=hours_ago)
    story = Story(
        org_id=org_id,
        title=title,
        first_seen_at=published,
        last_seen_at=now,
        article_count=len(articles),
        languages=",".join(sorted({language for _, language in articles})),
        score=score,
        incident_type=incident_type,
        reasons=json.dumps(list(reasons)),
    )
    session.add(story)
    session.flush()
    ids = []
    for offset, (article_title, language) in enumerate(articles):
        source = make_source(session, org_id, language=language)
        url = f"http://127.0.0.1:9/articles/{next(_seq)}.html"
        article = Article(
            source_id=source.id,
            org_id=org_id,
            url=url,
            url_key=hashlib.sha256(url.encode()).hexdigest(),
            title=article_title,
            text=f"{article_title}. The police are investigating.",
            published_at=published + dt.timedelta(minutes=10 * offset),
            language=language,
            language_confidence=0.99,
            analysed_at=now,
            story_id=story.id,
            entities=json.dumps(list(mentions)),  # as article_entities keeps them
            score=score,
            incident_type=incident_type,
            reasons=json.dumps(list(reasons)),
        )
        session.add(article)
        session.flush()
        ids.append(article.id)
    signal = Signal(
        owner_org_id=org_id,
        tlp=tlp.value,
        story_id=story.id,
        status=status,
        score=score,
        incident_type=incident_type,
        reasons=json.dumps(list(reasons)),
        site_id=site_id,
        created_at=now,
        updated_at=now,
    )
    session.add(signal)
    session.flush()
    return MadeSignal(id=signal.id, story_id=story.id, article_ids=ids)
