"""Polling monitoring sources in the worker: a periodic task claims the sources that are due and
queues a job for each; the job reads the source (the feed or page, then the articles it points
to that are not stored yet), then writes what it read. Article text past its retention period
is emptied by the retention task (ops.retention).

A poll reads first and writes after, in a transaction that starts only then: on SQLite the
write lock is never held while a source's server is slow. A job killed half-way is taken again
when its lease runs out; articles are stored once per source and address, so nothing doubles.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vigil.core import jobs, metrics
from vigil.core.config import Settings
from vigil.core.db import get_sessionmaker, utcnow
from vigil.core.errors import Invalid
from vigil.core.policy import Principal
from vigil.monitoring import sources
from vigil.monitoring.extraction import Extracted, extract_article
from vigil.monitoring.feed_items import FeedItem, NotAFeed, listed_links, read_feed
from vigil.monitoring.fetching import Fetcher, FetchError
from vigil.monitoring.models import Article, Source, SourceHealth, SourceKind
from vigil.monitoring.source_schemas import Ingested

log = logging.getLogger("vigil.monitoring.polling")
POLL_JOB = "monitoring.poll_source"
POLL_TICK_SECONDS = 15.0
MAX_BACKOFF_SECONDS = 6 * 3600
FETCHED_KINDS = (SourceKind.feed.value, SourceKind.listing.value, SourceKind.url.value)


@dataclass
class Harvest:
    """What one poll read, before anything is written."""

    etag: str = ""
    last_modified: str = ""
    unchanged: bool = False
    found: list[sources.Found] = field(default_factory=list)
    error: str = ""
    # Some new articles were left for the next poll (the cap, the time budget, a page that
    # failed): the ETag is then not kept, or the next poll's 304 would hide them for good.
    partial: bool = False


@dataclass(frozen=True)
class Plan:
    """What a poll needs to know of its source, read in a short session of its own."""

    source_id: int
    kind: str
    url: str
    etag: str
    last_modified: str


def gather(settings: Settings, plan: Plan) -> Harvest:
    """Read the source and the articles it points to that it has not stored yet."""
    harvest = Harvest(etag=plan.etag, last_modified=plan.last_modified)
    with Fetcher(settings) as fetcher:
        try:
            page = fetcher.fetch(plan.url, etag=plan.etag, last_modified=plan.last_modified)
            if page.status == 304:
                harvest.unchanged = True
                return harvest
            harvest.etag, harvest.last_modified = page.etag, page.last_modified
            if plan.kind == SourceKind.url.value:
                content = extract_article(page.body, url=page.url)
                harvest.found.append(sources.Found(plan.url, sources.url_key(plan.url), content))
                return harvest
            pointed: list[tuple[str, Extracted | None]]
            if plan.kind == SourceKind.feed.value:
                items = read_feed(page.body, base_url=page.url)
                pointed = [(i.url, _from_feed(i)) for i in items if i.url]
            else:
                pointed = [(url, None) for url in listed_links(page.body, base_url=page.url)]
        except (FetchError, NotAFeed) as exc:
            harvest.error = str(exc)
            return harvest
        _articles(settings, fetcher, plan, pointed, harvest)
    return harvest


def _from_feed(item: FeedItem) -> Extracted:
    return Extracted(item.title, item.summary, item.published_at, item.author, "")


def _articles(
    settings: Settings,
    fetcher: Fetcher,
    plan: Plan,
    pointed: list[tuple[str, Extracted | None]],
    harvest: Harvest,
) -> None:
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as reading:
        known = sources.known_keys(
            reading, plan.source_id, [sources.url_key(u) for u, _ in pointed]
        )
    fresh = [(u, e) for u, e in pointed if sources.url_key(u) not in known]
    fresh = list({sources.url_key(u): (u, e) for u, e in reversed(fresh)}.values())[::-1]
    errors: list[str] = []
    # Within half the job's lease: a longer poll could be taken over by another worker.
    stop_by = time.monotonic() + settings.job_lease_seconds / 2
    harvest.partial = len(fresh) > settings.monitoring_links_per_poll
    for url, from_feed in fresh[: settings.monitoring_links_per_poll]:
        if time.monotonic() > stop_by:
            harvest.partial = True  # the rest are read by the next poll
            break
        try:
            page = fetcher.fetch(url)
            content = extract_article(page.body, url=page.url)
        except FetchError as exc:
            if from_feed is None:  # a listed link that cannot be read is tried next time
                errors.append(str(exc))
                harvest.partial = True
                continue
            content = from_feed  # the feed's own text stands in for the page
        if from_feed is not None:
            content = Extracted(
                content.title or from_feed.title,
                content.text or from_feed.text,
                content.published_at or from_feed.published_at,
                content.author or from_feed.author,
                content.language_hint,
            )
        if content.title or content.text:
            harvest.found.append(sources.Found(url, sources.url_key(url), content))
    if errors and not harvest.found:
        harvest.error = "; ".join(errors[:3])


FETCH_ERRORS = metrics.Counter(
    "vigil_monitoring_fetch_errors_total",
    "Polls of a monitoring source that failed (unreachable, too slow, too large, not a feed), "
    "by the source's kind.",
    ("kind",),
)


def record(session: Session, source: Source, harvest: Harvest) -> list[int]:
    """Store what was read and note how the poll went (a failure waits longer each time)."""
    now = utcnow()
    source.last_poll_at = now
    ids = sources.store_articles(session, source, harvest.found)
    if harvest.error:
        FETCH_ERRORS.inc(kind=source.kind)
        source.failures += 1
        source.health = SourceHealth.failing.value
        source.last_error, source.last_error_at = harvest.error[:4000], now
        wait = min(MAX_BACKOFF_SECONDS, source.every_seconds * 2 ** min(source.failures, 16))
        source.next_poll_at = now + dt.timedelta(seconds=wait * random.uniform(0.8, 1.0))  # noqa: S311
        return ids
    source.failures, source.last_error, source.last_success_at = 0, "", now
    source.health = SourceHealth.ok.value
    if not harvest.partial:
        source.etag, source.last_modified = harvest.etag, harvest.last_modified
    source.next_poll_at = now + dt.timedelta(seconds=source.every_seconds)
    return ids


def _plan(settings: Settings, source_id: int, principal: Principal | None) -> Plan | None:
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as reading:
        if principal is None:
            source = reading.get(Source, source_id)
            if source is None or not source.enabled:
                return None
        else:
            source = sources.managed_source(
                session=reading, principal=principal, source_id=source_id
            )
        if source.kind not in FETCHED_KINDS:
            return None
        return Plan(source.id, source.kind, source.url, source.etag, source.last_modified)


def queue_poll(*, session: Session, principal: Principal, source_id: int) -> Source:
    """A coordinator's "poll now", done by the worker at once: a request that waited for a slow
    source would hold SQLite's write lock (taken when the request began) for the whole fetch."""
    source = sources.managed_source(session=session, principal=principal, source_id=source_id)
    if source.kind not in FETCHED_KINDS:
        raise Invalid("kind", "an upload source is never fetched; upload files to it instead")
    if not source.enabled:
        raise Invalid("enabled", "the source is switched off; switch it on to poll it")
    source.next_poll_at = utcnow() + dt.timedelta(seconds=source.every_seconds)
    jobs.enqueue(session, kind=POLL_JOB, payload={"source_id": source.id}, max_attempts=3)
    return source


def poll_source(
    *, session: Session, principal: Principal, settings: Settings, source_id: int
) -> Ingested:
    """The operator's "poll now" on the command line, which waits for the result; it reads
    before its transaction begins, so no write lock is held while the source answers."""
    plan = _plan(settings, source_id, principal)
    harvest = gather(settings, plan) if plan is not None else Harvest()
    source = sources.managed_source(session=session, principal=principal, source_id=source_id)
    ids = record(session, source, harvest) if plan is not None else []
    return Ingested(
        source=sources.source_read(source, principal),
        new_articles=len(ids),
        article_ids=ids,
        known=len(harvest.found) - len(ids),
        error=harvest.error,
    )


def poll_source_job(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    """The job of one source's poll: read without a transaction, then write in the job's."""
    source_id = int(payload["source_id"])
    plan = _plan(settings, source_id, None)
    if plan is None:
        return  # removed, switched off or not fetched since it was due
    harvest = gather(settings, plan)
    source = session.get(Source, source_id)
    if source is not None:
        record(session, source, harvest)
    if harvest.error:
        log.info("monitoring source failing", extra={"source_id": source_id})


def poll_due_sources(session: Session, settings: Settings) -> None:
    """Periodic task: each enabled, fetched source that is due is claimed (its next poll moved
    on by a conditional UPDATE, so one worker claims it) and gets a poll job."""
    del settings
    now = utcnow()
    due = session.execute(
        select(Source.id, Source.every_seconds).where(
            Source.enabled.is_(True), Source.kind.in_(FETCHED_KINDS), Source.next_poll_at <= now
        )
    ).all()
    for source_id, every_seconds in due:
        claimed = session.execute(
            update(Source)
            .where(Source.id == source_id, Source.next_poll_at <= now)
            .values(next_poll_at=now + dt.timedelta(seconds=every_seconds))
        )
        if claimed.rowcount:  # type: ignore[attr-defined]
            jobs.enqueue(session, kind=POLL_JOB, payload={"source_id": source_id}, max_attempts=3)


def purge_text(session: Session, settings: Settings, *, dry_run: bool = False) -> int:
    """Empty the text of articles fetched before the retention period (copyright); their
    title, address, dates and story stay. Returns how many were (or would be) emptied. The
    worker runs it with the other retention periods (ops.retention)."""
    now = utcnow()
    cutoff = now - dt.timedelta(days=settings.monitoring_text_days)
    due = (Article.fetched_at < cutoff, Article.text_purged_at.is_(None))
    if dry_run:
        return int(session.scalar(select(func.count()).select_from(Article).where(*due)) or 0)
    result = session.execute(update(Article).where(*due).values(text="", text_purged_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]


PERIODIC_TASKS = (
    jobs.PeriodicTask("monitoring.poll_sources", POLL_TICK_SECONDS, poll_due_sources),
)
JOB_HANDLERS = {POLL_JOB: poll_source_job}
