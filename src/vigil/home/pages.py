"""The dashboard: the latest notices shared with you, your organisations, the domains to come,
and a banner when strong monitoring signals wait."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from vigil.core.deps import SessionDep
from vigil.core.pages import SignedInDep, page_router, render
from vigil.monitoring import signals as monitoring_signals
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
    unseen_high = monitoring_signals.unseen_high_signals(session, viewer.principal)
    context = {"notices": notices, "upcoming": upcoming, "unseen_high": unseen_high}
    return render(request, "home/dashboard.html", context)
