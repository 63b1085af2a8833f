"""HTML page of STIX import: the upload form, and what became of the bundle (the records made or
matched, and the objects kept raw), or what is wrong with it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Request, UploadFile
from fastapi.responses import Response

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError
from vigil.core.middleware import body_limit
from vigil.core.pages import SignedInDep, page_router, render, undo
from vigil.sharing import imports
from vigil.sharing.imports_api import read_file, upload_limit

router = page_router()
TEMPLATE = "sharing/import.html"


@router.get("/sharing/import")
def import_page(request: Request, viewer: SignedInDep, settings: SettingsDep) -> Response:
    """The form to import a STIX 2.1 bundle (coordinators)."""
    return render(request, TEMPLATE, {"result": None, "error": None, "settings": settings})


@router.post("/sharing/import")
@body_limit(upload_limit)
async def import_bundle(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    bundle: Annotated[UploadFile, File()],
) -> Response:
    """Import the uploaded bundle and show what became of it, or every problem found."""
    try:
        imports.importing_org(viewer.principal)
        raw, filename = await read_file(bundle, settings)
        result = imports.import_bundle(
            session=session,
            settings=settings,
            principal=viewer.principal,
            raw=raw,
            filename=filename,
        )
    except DomainError as exc:
        undo(session, exc)
        context: dict[str, Any] = {"result": None, "error": exc, "settings": settings}
        return render(request, TEMPLATE, context, status_code=exc.status)
    context = {"result": result, "error": None, "settings": settings}
    return render(request, TEMPLATE, context, status_code=201)
