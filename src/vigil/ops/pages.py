"""The backups page of platform administration (the last good backup, a failure since, the
schedule and retention in force) and the account page's download of one's own data."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.pages import SignedInDep, page_router, render
from vigil.ops.api import export_download
from vigil.ops.personal_export import personal_export
from vigil.ops.schedule import backup_status
from vigil.orgs import service as orgs_service

router = page_router()


@router.get("/admin/backups")
def backups_page(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: SignedInDep
) -> Response:
    """Backups of this Vigil (platform administrators)."""
    orgs_service.require_platform_admin(viewer.principal)
    context = {"status": backup_status(session), "settings": settings}
    return render(request, "ops/backups.html", context)


@router.post("/account/export")
def export_my_data_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """Download a copy of your own data (the account page's button)."""
    return export_download(personal_export(session=session, principal=viewer.principal))
