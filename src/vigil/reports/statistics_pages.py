"""The statistics page (`/statistics`): the acting organisation's own figures under the incident
list's filters, each chart with its table and a CSV of exactly what it draws
(`/statistics/{chart}.csv` with the same query)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from vigil.core.bidi import right_to_left
from vigil.core.deps import SessionDep
from vigil.core.errors import DomainError, Invalid, NotFound
from vigil.core.localisation import locale_of
from vigil.core.pages import SignedInDep, page_router, parse_form, render, tr
from vigil.geo.boundaries import region_names
from vigil.incidents.forms import choices, filter_day
from vigil.incidents.typology import Bias, IncidentType, Source, TargetKind
from vigil.orgs import service as orgs_service
from vigil.reports.counting import FigureFilters
from vigil.reports.facts import COUNTED
from vigil.reports.statistics import CHARTS, GRAINS, Grain, own_org, statistics_view
from vigil.reports.statistics_tables import Labels, chart_tables, csv_of, region_map

router = page_router()

Codes = Annotated[list[str], Query(max_length=20)]
ShortText = Annotated[str, Query(max_length=200)]
DateText = Annotated[str, Query(max_length=10)]
LIST_FIELDS = ("type", "bias", "ihra", "status", "target_kind", "source", "tlp")


def shown_query(
    from_: Annotated[str, Query(alias="from", max_length=10)] = "",
    to: DateText = "",
    grain: Annotated[str, Query(max_length=8)] = "month",
    type: Codes = [],  # noqa: A002, B006 - the filter's name; FastAPI copies the default
    bias: Codes = [],  # noqa: B006
    ihra: Codes = [],  # noqa: B006
    status: Codes = [],  # noqa: B006
    target_kind: Codes = [],  # noqa: B006
    source: Codes = [],  # noqa: B006
    tlp: Codes = [],  # noqa: B006
    country: Annotated[str, Query(max_length=2)] = "",
    region: ShortText = "",
    city: ShortText = "",
    q: ShortText = "",
) -> dict[str, Any]:
    """The filters as given, to parse and to show again in the form."""
    return {
        "from": from_, "to": to, "grain": grain, "type": type, "bias": bias, "ihra": ihra,
        "status": status, "target_kind": target_kind, "source": source, "tlp": tlp,
        "country": country, "region": region, "city": city, "q": q,
    }  # fmt: skip


ShownDep = Annotated[dict[str, Any], Depends(shown_query)]


def parse_shown(shown: dict[str, Any]) -> tuple[FigureFilters, Grain]:
    """The figure filters and grain the query asks for; `to` is the last day counted."""
    grain = shown["grain"] or "month"
    if grain not in GRAINS:
        raise Invalid("grain", "choose week, month or year")
    last = filter_day(shown["to"], "to")
    filters = parse_form(
        FigureFilters,
        start=filter_day(shown["from"], "from"),
        end=last + dt.timedelta(days=1) if last else None,
        **{name: shown[name] for name in LIST_FIELDS},
        country=shown["country"].strip() or None,
        region=shown["region"].strip() or None,
        city=shown["city"].strip() or None,
        q=shown["q"].strip() or None,
    )
    return filters, grain


def _query(request: Request, *, without: tuple[str, ...] = ()) -> str:
    kept = [(k, v) for k, v in request.query_params.multi_items() if v and k not in without]
    return urlencode(kept)


def _options(country: str) -> dict[str, Any]:
    """The form's choices; the region's are the named regions of the country chosen, or of the
    organisation's own country (what `region_of` can give)."""
    offered = choices()
    return {
        "regions": region_names(country) if len(country) == 2 else [],
        "types": [t.value for t in IncidentType],
        "biases": [b.value for b in Bias],
        "ihra": offered["ihra"],
        "statuses": list(COUNTED),  # rejected and merged incidents never count
        "target_kinds": [k.value for k in TargetKind],
        "sources": [s.value for s in Source],
        "tlps": offered["tlps"],
        "countries": offered["countries"],
    }


@router.get("/statistics")
def statistics_page(
    request: Request, session: SessionDep, viewer: SignedInDep, shown: ShownDep
) -> Response:
    """Your organisation's figures over time, by category and by place, each with its table."""
    own_org(viewer.principal)
    context: dict[str, Any] = {
        "shown": shown,
        "options": _options(
            shown["country"].strip()
            or orgs_service.acting_country(session=session, principal=viewer.principal)
        ),
        "query": _query(request),
        "grain_query": _query(request, without=("grain",)),
        "filtered": any(v for k, v in shown.items() if k != "grain"),
        "error": None,
        "view": None,
        "tables": [],
        "region_map": None,
    }
    try:
        filters, grain = parse_shown(shown)
        view = statistics_view(
            session=session, principal=viewer.principal, filters=filters, grain=grain
        )
    except DomainError as exc:
        context["error"] = exc
        return render(request, "reports/statistics.html", context, status_code=exc.status)
    context["view"] = view
    context["tables"] = chart_tables(view, Labels(locale_of(request), _translator(request)))
    context["region_map"] = region_map(
        view,
        tr(request, "Incidents by region"),
        tr(request, "no incidents"),
        rtl=right_to_left(locale_of(request)),
    )
    return render(request, "reports/statistics.html", context)


def _translator(request: Request) -> Any:
    def translate(message: str, **variables: Any) -> str:
        return tr(request, message, **variables)

    return translate


@router.get("/statistics/{chart}.csv")
def statistics_csv(
    request: Request, chart: str, session: SessionDep, viewer: SignedInDep, shown: ShownDep
) -> Response:
    """One chart's table as CSV, for the same filters as the page it was drawn on."""
    if chart not in CHARTS:
        raise NotFound(
            "No chart %(chart)s: the charts are %(charts)s.",
            chart=repr(chart),
            charts=", ".join(CHARTS),
        )
    filters, grain = parse_shown(shown)
    view = statistics_view(
        session=session, principal=viewer.principal, filters=filters, grain=grain
    )
    tables = chart_tables(view, Labels(locale_of(request), _translator(request)))
    table = next(t for t in tables if t.name == chart)
    name = f"statistics-{chart}-{view.start.isoformat()}-{view.last_day.isoformat()}.csv"
    return Response(
        csv_of(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
