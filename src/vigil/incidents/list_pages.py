"""The list of incidents as a page: filters and text search (open on a wide screen, remembered
per person, saved under a name), sorting by its columns, page numbers with the total, and the
map of the page's incidents."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from vigil.core.deps import SessionDep
from vigil.core.domains import parts_of
from vigil.core.errors import DomainError
from vigil.core.listing import MAX_PAGE, Pages
from vigil.core.pages import SignedInDep, page_router, parse_form, render
from vigil.core.policy import Role
from vigil.geo.forms import map_home
from vigil.incidents import queries
from vigil.incidents.forms import choices, filter_day, map_points
from vigil.incidents.provenance import CHANNELS, provenance_of
from vigil.incidents.typology import Bias, IncidentType, Source, Status
from vigil.orgs import list_filter_pages
from vigil.orgs import service as orgs_service
from vigil.orgs.list_filter_pages import ListSpec

router = page_router()

PAGE_SIZE = 25
Codes = Annotated[list[str], Query(max_length=20)]
ShortText = Annotated[str, Query(max_length=200)]
DateText = Annotated[str, Query(max_length=10)]
FILTER_KEYS = frozenset(
    {"from", "to", "type", "bias", "status", "source", "tlp", "severity", "org", "country",
     "city", "q"}
)  # fmt: skip
SPEC = ListSpec(
    name="incidents", path="/incidents", filter_keys=FILTER_KEYS, sorting=queries.SORTING
)


def _start_of(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None


@router.get("/incidents")
def incidents_page(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: DateText = "",
    type: Codes = [],  # noqa: A002, B006 - the filter's name; FastAPI copies the default
    bias: Codes = [],  # noqa: B006
    status: Codes = [],  # noqa: B006
    source: Codes = [],  # noqa: B006
    tlp: Codes = [],  # noqa: B006
    severity: Codes = [],  # noqa: B006
    org: Annotated[int | None, Query(ge=1)] = None,
    country: Annotated[str, Query(max_length=2)] = "",
    city: ShortText = "",
    q: ShortText = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    """Incidents you may see, newest first or sorted by a column, with filters, text search,
    page numbers and a map."""
    opened = list_filter_pages.list_state(request, session, viewer, SPEC)
    if isinstance(opened, Response):
        return opened
    state, problem = opened
    error: DomainError | None = problem
    shown = {
        "from": from_, "to": to, "type": type, "bias": bias, "status": status,
        "source": source, "tlp": tlp, "severity": severity, "org": org,
        "country": country, "city": city, "q": q,
    }  # fmt: skip
    items: list[Any] = []
    provenance: dict[int, Any] = {}
    try:
        last_day = filter_day(to, "to")
        filters = parse_form(
            queries.IncidentFilters,
            occurred_after=_start_of(filter_day(from_, "from")),
            occurred_before=_start_of(last_day + dt.timedelta(days=1)) if last_day else None,
            type=type, bias=bias, status=status, source=source, tlp=tlp,
            severity=severity, org=org, country=country.strip() or None,
            city=city.strip() or None, q=q.strip() or None,
        )  # fmt: skip
        found = queries.list_incidents(
            session=session, principal=viewer.principal, filters=filters,
            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, sort=state.sort,
        )  # fmt: skip
        items = queries.incident_reads(
            session=session, principal=viewer.principal, incidents=found.rows
        )
        provenance = provenance_of(
            session=session, incidents=items, channels=parts_of(request, CHANNELS)
        )
        state.pages = Pages(page, PAGE_SIZE, len(items), found.total, found.total_exact)
    except DomainError as exc:
        error = exc
    if error is None:
        list_filter_pages.remember_state(session, viewer, SPEC, state)
    context = {
        "items": items,
        "provenance": provenance,
        "list": state,
        "filtered": bool(state.filters),
        "shown": shown,
        "options": {
            "types": [t.value for t in IncidentType],
            "biases": [b.value for b in Bias],
            "statuses": [s.value for s in Status],
            "sources": [s.value for s in Source],
            "tlps": choices()["tlps"],
            "countries": choices()["countries"],
        },
        "points": map_points(items),
        "home_map": map_home(
            orgs_service.acting_country(session=session, principal=viewer.principal)
        ),
        "error": error,
        "may_triage": any(r.at_least(Role.coordinator) for r in viewer.principal.roles.values()),
    }
    return render(
        request, "incidents/list.html", context, status_code=error.status if error else 200
    )


list_filter_pages.add_filter_routes(router, SPEC)
