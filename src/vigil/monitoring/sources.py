"""An organisation's monitoring sources: coordinators add, change and remove them (audited);
members read them as `core.policy` lets them (AMBER by default); articles are stored once per
source by their address (or content, for an upload) and handed to analysis in the same
transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit, jobs
from vigil.core.config import Settings
from vigil.core.db import utcnow
from vigil.core.egress import check_url_field
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role, acting_org, scope
from vigil.monitoring.extraction import Extracted, extract_article, extract_email
from vigil.monitoring.feed_items import article_key
from vigil.monitoring.models import Article, Source, SourceHealth, SourceKind
from vigil.monitoring.source_schemas import SourceCreate, SourceRead, SourceUpdate
from vigil.orgs.recipients import change_tlp

ANALYSE_JOB = "monitoring.analyse_articles"
UPLOAD_SUFFIXES = (".html", ".htm", ".eml")


@dataclass(frozen=True)
class Found:
    """An article read from a source, before it is stored."""

    url: str
    key: str  # Article.url_key
    content: Extracted


def url_key(url: str) -> str:
    return hashlib.sha256(article_key(url).encode()).hexdigest()


def _is_operator(principal: Principal) -> bool:
    """The command line (core.policy.SYSTEM): it manages every source, as for CAP feeds."""
    return principal.is_platform_admin and principal.person_id is None


def may_manage(principal: Principal, source: Source) -> bool:
    return _is_operator(principal) or principal.has_role(source.owner_org_id, Role.coordinator)


def list_sources(*, session: Session, principal: Principal) -> list[Source]:
    stmt = select(Source).order_by(Source.owner_org_id, Source.name, Source.id)
    if not _is_operator(principal):
        stmt = scope(stmt, Source, principal)
    return list(session.scalars(stmt))


def get_source(*, session: Session, principal: Principal, source_id: int) -> Source:
    stmt = select(Source).where(Source.id == source_id)
    if not _is_operator(principal):
        stmt = scope(stmt, Source, principal)
    source = session.scalar(stmt)
    if source is None:
        raise NotFound("No such monitoring source, or it is not shared with you.")
    return source


def managed_source(*, session: Session, principal: Principal, source_id: int) -> Source:
    source = get_source(session=session, principal=principal, source_id=source_id)
    if not may_manage(principal, source):
        raise Forbidden("Only coordinators of the source's organisation may change it.")
    return source


def source_read(source: Source, principal: Principal) -> SourceRead:
    return SourceRead.model_validate(
        {c: getattr(source, c) for c in SourceRead.model_fields if c != "may_manage"}
        | {"may_manage": may_manage(principal, source)}
    )


def _check_url(settings: Settings, kind: str, url: str) -> None:
    if kind == SourceKind.upload.value:
        if url:
            raise Invalid("url", "an upload source has no address; leave it empty")
        return
    if not url.lower().startswith(("http://", "https://")):
        raise Invalid("url", "give the http or https address of the feed or page")
    check_url_field(url, allow_private=settings.webhook_allow_private)


def create_source(
    *, session: Session, principal: Principal, settings: Settings, data: SourceCreate
) -> Source:
    org_id = acting_org(principal, Role.coordinator)
    _check_url(settings, data.kind.value, data.url)
    source = Source(
        owner_org_id=org_id,
        author_id=principal.person_id,
        tlp=data.tlp.value,
        name=data.name,
        kind=data.kind.value,
        url=data.url,
        language=data.language,
        every_seconds=data.every_seconds,
        enabled=data.enabled,
        health=SourceHealth.new.value if data.enabled else SourceHealth.disabled.value,
        etag="",
        last_modified="",
        last_error="",
        failures=0,
        article_count=0,
        next_poll_at=utcnow(),
        created_at=utcnow(),
    )
    session.add(source)
    session.flush()
    _log(session, principal, "monitoring.source.create", source, tlp=source.tlp)
    return source


def update_source(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    source_id: int,
    data: SourceUpdate,
) -> Source:
    """A new address is read from scratch (no ETag) and polled at once."""
    source = managed_source(session=session, principal=principal, source_id=source_id)
    changes = data.model_dump(exclude_unset=True, exclude={"tlp"})
    if "url" in changes and changes["url"] != source.url:
        _check_url(settings, source.kind, changes["url"])
        source.etag, source.last_modified, source.next_poll_at = "", "", utcnow()
    for field, value in changes.items():
        setattr(source, field, value)
    if data.enabled is not None:
        if not data.enabled:
            source.health = SourceHealth.disabled.value
        elif source.health == SourceHealth.disabled.value:
            source.health, source.failures, source.next_poll_at = "new", 0, utcnow()
    if data.tlp is not None:
        change_tlp(session, principal, source, data.tlp)
    _log(session, principal, "monitoring.source.update", source, fields=sorted(changes))
    return source


def remove_source(*, session: Session, principal: Principal, source_id: int) -> None:
    """The source goes with its articles (their stories keep what other sources brought)."""
    source = managed_source(session=session, principal=principal, source_id=source_id)
    _log(session, principal, "monitoring.source.remove", source)
    session.delete(source)
    session.flush()


def _log(
    session: Session, principal: Principal, action: str, source: Source, **detail: object
) -> None:
    audit.log_action(
        session,
        principal,
        action,
        target_type="monitoring_sources",
        target_id=source.id,
        org_id=source.owner_org_id,
        detail={"name": source.name, "kind": source.kind, "url": source.url, **detail},
    )


def known_keys(session: Session, source_id: int, keys: Sequence[str]) -> set[str]:
    """Which of `keys` the source already has an article for."""
    if not keys:
        return set()
    stmt = select(Article.url_key).where(
        Article.source_id == source_id, Article.url_key.in_(list(set(keys)))
    )
    return set(session.scalars(stmt))


def store_articles(session: Session, source: Source, found: Sequence[Found]) -> list[int]:
    """Store the articles the source does not have yet (each key once) and queue their
    analysis in this transaction; returns the new articles' ids."""
    known = known_keys(session, source.id, [f.key for f in found])
    fresh: list[Article] = []
    for item in found:
        if item.key in known:
            continue
        known.add(item.key)
        content = item.content
        article = Article(
            source_id=source.id,
            org_id=source.owner_org_id,
            url=item.url[:2000],
            url_key=item.key,
            title=content.title[:500],
            text=content.text,
            author=content.author[:300],
            published_at=content.published_at,
            fetched_at=utcnow(),
            language="",
            language_confidence=0.0,
        )
        session.add(article)
        fresh.append(article)
    if not fresh:
        return []
    session.flush()
    source.article_count += len(fresh)
    ids = [a.id for a in fresh]
    jobs.enqueue(session, kind=ANALYSE_JOB, payload={"article_ids": ids})
    return ids


def read_upload(filename: str, content: bytes, *, max_bytes: int) -> Found:
    """An uploaded .html or .eml file as an article, known by the hash of its content."""
    name = filename.lower()
    if not name.endswith(UPLOAD_SUFFIXES):
        raise Invalid("files", "%(name)s is not an .html, .htm or .eml file", name=filename)
    if len(content) > max_bytes:
        raise Invalid(
            "files",
            "%(name)s is larger than %(limit)s bytes",
            name=filename,
            limit=f"{max_bytes:,}",
        )
    if not content.strip():
        raise Invalid("files", "%(name)s is empty", name=filename)
    extracted = extract_email(content) if name.endswith(".eml") else extract_article(content)
    if not extracted.title:
        extracted = Extracted(
            filename[:500],
            extracted.text,
            extracted.published_at,
            extracted.author,
            extracted.language_hint,
        )
    return Found(url="", key=hashlib.sha256(content).hexdigest(), content=extracted)


def upload_articles(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    source_id: int,
    files: Sequence[tuple[str, bytes]],
) -> tuple[Source, list[int], int]:
    """Store uploaded files as articles of the source: (source, new ids, already known)."""
    source = managed_source(session=session, principal=principal, source_id=source_id)
    if not files:
        raise Invalid("files", "choose at least one .html or .eml file")
    found = [
        read_upload(name, data, max_bytes=settings.monitoring_max_bytes) for name, data in files
    ]
    ids = store_articles(session, source, found)
    source.last_success_at = utcnow()
    if source.kind == SourceKind.upload.value:
        source.health = SourceHealth.ok.value
    _log(session, principal, "monitoring.source.upload", source, files=len(found), new=len(ids))
    return source, ids, len(found) - len(ids)
