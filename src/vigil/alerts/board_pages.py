"""An alert's board on the page (issue 19): a card per site reached that the viewer may read,
need help first, in a stable order; filters for the sites that need help, have not answered or
whose deliveries failed; and, for the sites whose contacts the viewer may see, a call and a
write link to their first contacts, so a coordinator on a phone acts from the board. The page
reloads the board every few seconds with its filter; links keep their ids, so htmx gives focus
back to the one a keyboard user was on."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.alerts import acks
from vigil.alerts.models import Answer
from vigil.alerts.schemas import BoardRow
from vigil.core.config import Settings
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.pages import SignedInDep, page_router, render
from vigil.core.policy import Principal
from vigil.sites.contacts import readable_contacts

router = page_router()
CONTACTS_SHOWN = 2  # the first contacts of a site in priority order; the rest on its page
FILTERS = ("all", "need_help", "unanswered", "failed")


def _matches(row: BoardRow, show: str) -> bool:
    if show == "need_help":
        return row.answer == Answer.need_help
    if show == "unanswered":
        return row.answer is None
    if show == "failed":
        return row.failed > 0
    return True


def board_context(
    session: Session, principal: Principal, settings: Settings, alert_id: int, show: str
) -> dict[str, Any]:
    """What _board.html shows; an unknown filter shows every site."""
    board = acks.board(session=session, principal=principal, alert_id=alert_id)
    show = show if show in FILTERS else "all"
    rows = [row for row in board.rows if _matches(row, show)]
    contacts = readable_contacts(
        session=session, principal=principal, settings=settings, site_ids=[r.site_id for r in rows]
    )
    return {
        "totals": board,
        "rows": rows,
        "show": show,
        "filters": [(code, sum(_matches(r, code) for r in board.rows)) for code in FILTERS],
        "contacts": {site: found[:CONTACTS_SHOWN] for site, found in contacts.items() if found},
    }


@router.get("/alerts/{alert_id:int}/board")
def board_fragment(
    request: Request,
    alert_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    show: str = "all",
) -> Response:
    """The board alone, which the alert page reloads every few seconds."""
    board = board_context(session, viewer.principal, settings, alert_id, show)
    return render(request, "alerts/_board.html", {"board": board, "alert_id": alert_id})
