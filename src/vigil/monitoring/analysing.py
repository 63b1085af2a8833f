"""The analysis job: articles stored by the source poller are analysed (language, near-duplicate
signature, entities, relevance, adjusted by the organisation's classifier), joined to a story of
their organisation or made the first of a new one, and the stories they touched are raised as
signals when they touch what the organisation watches (vigil.monitoring.signals).

The job and everything it writes are one transaction: killed midway, it leaves nothing, and the
retried job redoes it. An article already analysed is skipped, so a job that ran and then could
not be marked done changes nothing when it runs again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.monitoring import signals
from vigil.monitoring.analysis import Analysis, analyse, signal_candidate
from vigil.monitoring.article_entities import dump_entities, load_entities
from vigil.monitoring.classifier import ClassifierModel, article_lemmas, classifier_of
from vigil.monitoring.models import Article, Source, Story
from vigil.monitoring.stories import StoryClusterer
from vigil.monitoring.warm_up import ensure_loaded
from vigil.monitoring.watchlist import Watchlist, watchlist_of

ANALYSE_ARTICLES = "monitoring.analyse_articles"
MAX_LANGUAGES = 200  # characters of Story.languages


def analyse_articles(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    """The job's handler: payload {"article_ids": [...]}."""
    ids = sorted({int(i) for i in payload.get("article_ids", [])})
    if not ids:
        return
    ensure_loaded()  # before the first statement: not while holding SQLite's write lock
    rows = session.execute(
        select(Article, Source.language)
        .join(Source, Source.id == Article.source_id)
        .where(Article.id.in_(ids), Article.analysed_at.is_(None))
        .order_by(Article.org_id, Article.id)
    ).all()
    by_org: dict[int, list[tuple[Article, str]]] = {}
    for article, hint in rows:
        by_org.setdefault(article.org_id, []).append((article, hint))
    for org_id, articles in by_org.items():
        touched = analyse_for_organisation(session, settings, org_id, articles)
        signals.raise_signals(session=session, settings=settings, org_id=org_id, story_ids=touched)


def analyse_for_organisation(
    session: Session, settings: Settings, org_id: int, articles: list[tuple[Article, str]]
) -> set[int]:
    """Analyse one organisation's new articles and put each in a story; returns the ids of
    the stories touched."""
    watchlist = watchlist_of(session, org_id)
    classifier = classifier_of(session, org_id)
    clusterer, story_of = _seeded_clusterer(session, settings, org_id)
    touched: set[int] = set()
    now = utcnow()
    for article, hint in articles:
        analysis = analyse(
            title=article.title, text=article.text, language_hint=hint, matcher=watchlist.matcher
        )
        _store(article, analysis, watchlist, classifier, now, settings.monitoring_signal_threshold)
        joined = clusterer.add(
            article.id,
            signature=analysis.signature,
            facts=analysis.facts,
            language=analysis.language,
            published_at=article.published_at,
        )
        story = session.get(Story, story_of[joined]) if joined in story_of else None
        if story is None:
            story = Story(org_id=org_id, title=article.title[:500], score=-1.0)
            story.first_seen_at = story.last_seen_at = _seen_at(article)
            session.add(story)
            session.flush()
        _grow(story, article)
        article.story_id = story.id
        story_of[article.id] = story.id
        touched.add(story.id)
    return touched


def _seeded_clusterer(
    session: Session, settings: Settings, org_id: int
) -> tuple[StoryClusterer, dict[int, int]]:
    """A clusterer holding the organisation's recent articles in publication order (one query),
    and their stories."""
    since = utcnow() - dt.timedelta(days=settings.monitoring_story_window_days)
    rows = session.execute(
        select(
            Article.id,
            Article.minhash,
            Article.entities,
            Article.language,
            Article.published_at,
            Article.story_id,
        )
        .where(
            Article.org_id == org_id,
            Article.fetched_at >= since,
            Article.analysed_at.is_not(None),
            Article.minhash.is_not(None),
            Article.story_id.is_not(None),
        )
        .order_by(func.coalesce(Article.published_at, Article.fetched_at), Article.id)
    ).all()
    clusterer = StoryClusterer()
    story_of: dict[int, int] = {}
    for article_id, minhash, entities, language, published_at, story_id in rows:
        clusterer.add(
            article_id,
            signature=bytes(minhash or b""),
            facts=load_entities(entities).facts,
            language=language,
            published_at=published_at,
        )
        story_of[article_id] = int(story_id or 0)
    return clusterer, story_of


def _store(
    article: Article,
    analysis: Analysis,
    watchlist: Watchlist,
    classifier: ClassifierModel | None,
    now: dt.datetime,
    threshold: float,
) -> None:
    relevance = analysis.relevance
    score = relevance.score
    if classifier is not None:
        lemmas = article_lemmas(article.title, article.text, analysis.language)
        score = classifier.adjust(score, lemmas)
    hits = watchlist.hits(
        title=article.title,
        text=article.text,
        language=analysis.language,
        mentions=analysis.mentions,
    )
    # The one rule of text analysis (a watched site, or a watched place read as antisemitic or
    # against an institution), on the organisation's adjusted score; a watched term counts
    # from the threshold on.
    adjusted = dataclasses.replace(analysis, relevance=dataclasses.replace(relevance, score=score))
    places = [hit["key"] for hit in hits if hit["kind"] == "place"]
    candidate = signal_candidate(
        adjusted, watchlist.site_ids, threshold, watched_places=places
    ) or (score >= threshold and any(hit["kind"] == "term" for hit in hits))
    article.language = analysis.language[:8]
    article.language_confidence = analysis.confidence
    article.minhash = analysis.signature
    article.entities = dump_entities(
        mentions=analysis.mentions,
        facts=analysis.facts,
        watch_hits=hits,
        lexicon_score=relevance.score,
        antisemitic=relevance.antisemitic,
        signal=candidate,
    )
    article.score = score
    article.incident_type = relevance.incident_type
    article.reasons = json.dumps(
        [dataclasses.asdict(r) for r in relevance.reasons], ensure_ascii=False
    )
    article.analysed_at = now


def _seen_at(article: Article) -> dt.datetime:
    return article.published_at or article.fetched_at


def _languages(existing: str, more: Iterable[str]) -> str:
    found = sorted({code for code in [*existing.split(","), *more] if code})
    return ",".join(found)[:MAX_LANGUAGES]


def _grow(story: Story, article: Article) -> None:
    """The article joins the story: its dates, count and languages, and its explanation when
    it is the story's most relevant article."""
    seen = _seen_at(article)
    story.first_seen_at = min(story.first_seen_at, seen)
    story.last_seen_at = max(story.last_seen_at, seen)
    story.article_count = (story.article_count or 0) + 1
    story.languages = _languages(story.languages or "", [article.language])
    if article.score > story.score:
        story.score = article.score
        story.incident_type = article.incident_type
        story.reasons = article.reasons
        story.title = article.title[:500] or story.title
