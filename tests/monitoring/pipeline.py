"""Monitoring records for tests: sources and articles written as the source poller stores them
(with the analysis job enqueued in the same transaction), and watches through the service."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

from sqlalchemy.orm import Session

from vigil.core import jobs
from vigil.core.policy import TLP, Principal
from vigil.monitoring import watches
from vigil.monitoring.analysing import ANALYSE_ARTICLES
from vigil.monitoring.models import Article, Source, Watch
from vigil.monitoring.watch_schemas import WatchCreate
from vigil.orgs.models import Organisation

_seq = itertools.count(1)


def make_source(session: Session, org: Organisation, *, language: str = "") -> Source:
    source = Source(
        owner_org_id=org.id,
        tlp=TLP.amber.value,
        name=f"Source {next(_seq)}",
        kind="upload",
        language=language,
    )
    session.add(source)
    session.flush()
    return source


def store_articles(
    session: Session, source: Source, *items: tuple[str, str], **columns: Any
) -> list[Article]:
    """Articles (title, text) of a source, and the analysis job for them, as the poller does."""
    stored = []
    for title, text in items:
        n = next(_seq)
        article = Article(
            source_id=source.id,
            org_id=source.owner_org_id,
            url=f"http://127.0.0.1/news/{n}",
            url_key=hashlib.sha256(f"{n}{title}".encode()).hexdigest(),
            title=title,
            text=text,
            published_at=columns.get("published_at", dt.datetime.now(dt.UTC)),
        )
        session.add(article)
        stored.append(article)
    session.flush()
    jobs.enqueue(session, kind=ANALYSE_ARTICLES, payload={"article_ids": [a.id for a in stored]})
    return stored


def make_watch(session: Session, principal: Principal, **fields: Any) -> Watch:
    return watches.create_watch(session=session, principal=principal, data=WatchCreate(**fields))
