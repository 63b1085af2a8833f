"""The dashboard: the latest notices shared with you, your organisations, the domains to come."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from vigil.core.deps import SessionDep
from vigil.core.pages import SignedInDep, page_router, render
from vigil.notices import service as notices_service

router = page_router()

DASHBOARD_NOTICES = 5


@router.get("/")
def dashboard(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """What is new for you, your organisations, and the domains to come."""
    notices = notices_service.list_notices(
        session=session, principal=viewer.principal, limit=DASHBOARD_NOTICES
    )
    upcoming = [(path, label) for path, label, ready in request.app.state.nav if not ready]
    return render(request, "home/dashboard.html", {"notices": notices, "upcoming": upcoming})
