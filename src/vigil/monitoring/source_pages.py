"""HTML pages of monitoring sources: the list with each source's health and the form to add
one, and a source's page with "poll now", the upload form and removal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError
from vigil.core.middleware import body_limit
from vigil.core.pages import (
    SignedInDep,
    Viewer,
    page_router,
    parse_form,
    redirect,
    render,
    shown_error,
    tr,
    undo,
)
from vigil.core.policy import TLP, Role
from vigil.monitoring import polling, sources
from vigil.monitoring.models import SourceKind
from vigil.monitoring.source_api import UPLOAD_FILES, upload_body_limit
from vigil.monitoring.source_schemas import DEFAULT_SOURCE_TLP, SourceCreate
from vigil.orgs.recipients import TLP_ORDER

router = page_router()


def _list_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Response:
    principal = viewer.principal
    found = sources.list_sources(session=session, principal=principal)
    context = {
        "sources": [sources.source_read(s, principal) for s in found],
        "may_add": principal.has_role(principal.acting_org_id, Role.coordinator),
        "kinds": list(SourceKind),
        "tlps": TLP_ORDER,
        "form": form or {"kind": "feed", "tlp": DEFAULT_SOURCE_TLP.value, "every_seconds": 900},
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "monitoring/sources.html", context, status_code=status)


@router.get("/monitoring/sources")
def sources_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """Monitoring sources you may read, with their health, and the form to add one."""
    return _list_page(request, session, viewer)


@router.post("/monitoring/sources")
def add_source(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "feed",
    url: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    every_seconds: Annotated[str, Form()] = "900",
    tlp: Annotated[str, Form()] = DEFAULT_SOURCE_TLP.value,
) -> Response:
    """Add the source and show the list."""
    values = {
        "name": name,
        "kind": kind,
        "url": url,
        "language": language,
        "every_seconds": every_seconds,
        "tlp": tlp,
    }
    try:
        data = parse_form(SourceCreate, **values)
        source = sources.create_source(
            session=session, principal=viewer.principal, settings=settings, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        return _list_page(request, session, viewer, form=values, error=exc)
    message = tr(request, "The source %(name)s is added.", name=source.name)
    return redirect(f"/monitoring/sources/{source.id}", request, message)


@router.get("/monitoring/sources/{source_id:int}")
def source_page(
    request: Request, source_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """One source: its health, poll now, upload files, remove."""
    source = sources.get_source(session=session, principal=viewer.principal, source_id=source_id)
    context = {
        "source": sources.source_read(source, viewer.principal),
        "tlp": TLP(source.tlp),
        "upload_files": UPLOAD_FILES,
    }
    return render(request, "monitoring/source.html", context)


@router.post("/monitoring/sources/{source_id:int}/poll")
def poll_source(
    request: Request, source_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Queue a poll of the source for the worker."""
    try:
        polling.queue_poll(session=session, principal=viewer.principal, source_id=source_id)
    except DomainError as exc:
        undo(session, exc)
        return redirect(
            f"/monitoring/sources/{source_id}",
            request,
            shown_error(request, exc),
            kind="error",
        )
    message = tr(request, "The source is being polled; reload this page in a moment.")
    return redirect(f"/monitoring/sources/{source_id}", request, message)


@router.post("/monitoring/sources/{source_id:int}/uploads")
@body_limit(upload_body_limit)
def upload_files(
    request: Request,
    source_id: int,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    files: Annotated[list[UploadFile], File()],
) -> Response:
    """Store uploaded pages or e-mails as the source's articles."""
    read = [
        (f.filename or "upload", f.file.read(settings.monitoring_max_bytes + 1))
        for f in files[:UPLOAD_FILES]
        if f.filename
    ]
    try:
        _, ids, known = sources.upload_articles(
            session=session,
            principal=viewer.principal,
            settings=settings,
            source_id=source_id,
            files=read,
        )
    except DomainError as exc:
        undo(session, exc)
        return redirect(
            f"/monitoring/sources/{source_id}",
            request,
            shown_error(request, exc),
            kind="error",
        )
    message = tr(
        request, "%(new)s new articles, %(known)s already stored.", new=len(ids), known=known
    )
    return redirect(f"/monitoring/sources/{source_id}", request, message)


@router.post("/monitoring/sources/{source_id:int}/remove")
def remove_source(
    request: Request, source_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """Remove the source with its articles."""
    sources.remove_source(session=session, principal=viewer.principal, source_id=source_id)
    return redirect("/monitoring/sources", request, tr(request, "The source is removed."))
