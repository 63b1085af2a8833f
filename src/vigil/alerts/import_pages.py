"""The page that imports a CAP file (1.0, 1.1 or 1.2, one or several `info` blocks) as a draft
for a coordinator to review and relay; errors name what is wrong in the file."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Request, UploadFile
from fastapi.responses import Response

from vigil.alerts import imports
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError
from vigil.core.middleware import body_limit
from vigil.core.pages import SignedInDep, page_router, redirect, render, tr, undo

router = page_router()


@router.get("/alerts/import")
def import_page(request: Request, viewer: SignedInDep) -> Response:
    return render(request, "alerts/import.html", {"error": None})


@router.post("/alerts/import")
@body_limit(lambda settings: settings.cap_max_bytes + 64 * 1024)
async def import_cap(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    settings: SettingsDep,
    document: Annotated[UploadFile, File()],
) -> Response:
    """Import a CAP file as a draft to review; errors name what is wrong in it."""
    data = await document.read(settings.cap_max_bytes + 1)
    try:
        alert = imports.import_cap(
            session=session, principal=viewer.principal, settings=settings, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        return render(request, "alerts/import.html", {"error": exc}, status_code=exc.status)
    return redirect(f"/alerts/{alert.id}", request, tr(request, "Imported as a draft."))
