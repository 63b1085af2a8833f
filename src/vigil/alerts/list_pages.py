"""The list of alerts as a page: live ones only or all, by severity, sorted by a column (newest
first by default), with page numbers and the total, filters remembered per person and saved
under a name. The API's list (service.list_alerts) keeps its own order and paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from vigil.alerts.alert_list import PAGE_SIZE, SORTING, find_alerts
from vigil.alerts.cap import Severity
from vigil.alerts.schemas import AlertRead
from vigil.core.deps import SessionDep
from vigil.core.errors import DomainError, Invalid
from vigil.core.listing import MAX_PAGE, Pages
from vigil.core.pages import SignedInDep, page_router, render
from vigil.core.policy import Role
from vigil.orgs import list_filter_pages
from vigil.orgs.list_filter_pages import ListSpec

router = page_router()

LIST = ListSpec(
    name="alerts",
    path="/alerts",
    filter_keys=frozenset({"current", "severity"}),
    sorting=SORTING,
)


@router.get("/alerts")
def alerts_page(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    current: bool = False,
    severity: Annotated[list[str], Query(max_length=5)] = [],  # noqa: B006
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    """Current and past alerts you may read; `current`: the live ones only."""
    opened = list_filter_pages.list_state(request, session, viewer, LIST)
    if isinstance(opened, Response):
        return opened
    state, problem = opened
    error: DomainError | None = problem
    known = [s.value for s in Severity]
    items: list[AlertRead] = []
    unknown = [s for s in severity if s not in known]
    if unknown:
        error = Invalid("severity", "choose among %(known)s", known=", ".join(known))
    else:
        items, total = find_alerts(
            session=session, principal=viewer.principal, current_only=current,
            severities=severity, sort=state.sort, page=page,
        )  # fmt: skip
        state.pages = Pages(page, PAGE_SIZE, len(items), total)
    if error is None:
        list_filter_pages.remember_state(session, viewer, LIST, state)
    may_compose = viewer.principal.has_role(viewer.principal.acting_org_id, Role.coordinator)
    context = {
        "items": items,
        "list": state,
        "filtered": bool(state.filters),
        "shown": {"current": current, "severity": severity},
        "severities": known,
        "may_compose": may_compose,
        "current": current,
        "error": error,
    }
    return render(request, "alerts/list.html", context, status_code=error.status if error else 200)


list_filter_pages.add_filter_routes(router, LIST)
