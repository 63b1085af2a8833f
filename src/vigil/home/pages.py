"""The dashboard: what needs you now for the organisation you act for (home.now), the latest
notices shared with you, your organisations, and a banner when strong monitoring signals wait.
The "now" cards refresh themselves as a fragment."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from vigil.core.deps import SessionDep
from vigil.core.pages import SignedInDep, page_router, render
from vigil.home.now import CARD_ROWS, now_for
from vigil.monitoring import signals as monitoring_signals
from vigil.notices import service as notices_service

router = page_router()

DASHBOARD_NOTICES = 5
# How often an open dashboard asks again (seconds); a live alert asks at once.
REFRESH_SECONDS = 30


@router.get("/")
def dashboard(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """What needs you now, what is new for you, and your organisations."""
    notices = notices_service.list_notices(
        session=session, principal=viewer.principal, limit=DASHBOARD_NOTICES
    )
    unseen_high = monitoring_signals.unseen_high_signals(session, viewer.principal)
    context = {
        "notices": notices,
        "unseen_high": unseen_high,
        "now": now_for(session, viewer),
        "rows": CARD_ROWS,
        "refresh_seconds": REFRESH_SECONDS,
    }
    return render(request, "home/dashboard.html", context)


@router.get("/dashboard/now")
def now_fragment(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """The "now" cards alone, as the dashboard refreshes them."""
    context = {
        "now": now_for(session, viewer),
        "rows": CARD_ROWS,
        "refresh_seconds": REFRESH_SECONDS,
    }
    return render(request, "home/_now.html", context)
