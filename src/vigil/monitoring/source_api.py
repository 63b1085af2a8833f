"""JSON API of an organisation's monitoring sources: list, add, read, change, remove, poll now,
and upload HTML or EML files as articles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import Response

from vigil.core.config import Settings
from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.core.middleware import body_limit
from vigil.monitoring import polling, sources
from vigil.monitoring.source_schemas import (
    Ingested,
    SourceCreate,
    SourcePage,
    SourceRead,
    SourceUpdate,
)

router = APIRouter(prefix="/api/v1/monitoring/sources", tags=["monitoring"])
UPLOAD_FILES = 20


def upload_body_limit(settings: Settings) -> int:
    """A few files of the largest size a source may send, with room for the form's framing."""
    return settings.monitoring_max_bytes * 4 + 64 * 1024


@router.get("", response_model=SourcePage)
def list_sources(session: SessionDep, principal: PrincipalDep) -> SourcePage:
    """Monitoring sources you may read, with their health."""
    found = sources.list_sources(session=session, principal=principal)
    items = [sources.source_read(s, principal) for s in found]
    return SourcePage(items=items, total=len(items))


@router.post("", response_model=SourceRead, status_code=201)
def create_source(
    data: SourceCreate, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> SourceRead:
    """Add a feed, listing page, single address or upload source (coordinators); the worker
    polls the fetched kinds on their schedule."""
    source = sources.create_source(
        session=session, principal=principal, settings=settings, data=data
    )
    return sources.source_read(source, principal)


@router.get("/{source_id:int}", response_model=SourceRead)
def get_source(source_id: int, session: SessionDep, principal: PrincipalDep) -> SourceRead:
    """One source, if it is shared with you."""
    source = sources.get_source(session=session, principal=principal, source_id=source_id)
    return sources.source_read(source, principal)


@router.patch("/{source_id:int}", response_model=SourceRead)
def update_source(
    source_id: int,
    data: SourceUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> SourceRead:
    """Change a source (coordinators of its organisation); a new address is read afresh."""
    source = sources.update_source(
        session=session, principal=principal, settings=settings, source_id=source_id, data=data
    )
    return sources.source_read(source, principal)


@router.delete("/{source_id:int}", status_code=204)
def remove_source(source_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    """Remove a source with its articles."""
    sources.remove_source(session=session, principal=principal, source_id=source_id)
    return Response(status_code=204)


@router.post("/{source_id:int}/poll", response_model=SourceRead, status_code=202)
def poll_source(source_id: int, session: SessionDep, principal: PrincipalDep) -> SourceRead:
    """Poll the source now: the worker does it at once; its health and article count show
    the outcome."""
    source = polling.queue_poll(session=session, principal=principal, source_id=source_id)
    return sources.source_read(source, principal)


@router.post("/{source_id:int}/uploads", response_model=Ingested, status_code=201)
@body_limit(upload_body_limit)
def upload(
    source_id: int,
    files: Annotated[list[UploadFile], File(description="HTML (.html, .htm) or e-mail (.eml).")],
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> Ingested:
    """Store uploaded pages or e-mails as articles of the source (each content once)."""
    read = [
        (f.filename or "upload", f.file.read(settings.monitoring_max_bytes + 1))
        for f in files[:UPLOAD_FILES]
    ]
    source, ids, known = sources.upload_articles(
        session=session, principal=principal, settings=settings, source_id=source_id, files=read
    )
    return Ingested(
        source=sources.source_read(source, principal),
        new_articles=len(ids),
        article_ids=ids,
        known=known,
    )
