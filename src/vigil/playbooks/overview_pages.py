"""The Playbooks section: running and recent responses the viewer may read, with links to their
incident rooms, and the metrics page (median times, late tasks, by incident type, with charts)
for the acting organisation or one of its networks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from vigil.core.bidi import right_to_left
from vigil.core.deps import SessionDep
from vigil.core.localisation import locale_of
from vigil.core.localised import pick
from vigil.core.pages import SignedInDep, page_router, render, tr
from vigil.incidents.typology import TYPE_LABELS, IncidentType
from vigil.orgs import service as orgs_service
from vigil.playbooks import metrics, reading
from vigil.playbooks.charts import bar_chart_svg

router = page_router()
HOUR = 3600.0


def type_label(request: Request, kind: str) -> str:
    try:
        return tr(request, TYPE_LABELS[IncidentType(kind)])
    except ValueError:
        return kind


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else seconds / HOUR


def _charts(request: Request, found: metrics.PlaybookMetrics) -> dict[str, Markup]:
    rtl = right_to_left(locale_of(request))
    series = [tr(request, "to acknowledge"), tr(request, "to stabilise"), tr(request, "to routine")]
    rows = [
        (
            type_label(request, t.incident_type),
            [
                _hours(t.acknowledge_median_seconds),
                _hours(t.stabilise_median_seconds),
                _hours(t.routine_median_seconds),
            ],
        )
        for t in found.by_type
    ]
    times = bar_chart_svg(
        rows,
        series=series,
        title=tr(request, "Median hours by incident type"),
        value_label="{:.1f} h",
        empty=tr(request, "none yet"),
        rtl=rtl,
    )
    stage_names = {
        "immediate": tr(request, "Immediate (first minutes)"),
        "stabilise": tr(request, "Stabilise (first hours)"),
        "recover": tr(request, "Recover (days to weeks)"),
    }
    late = bar_chart_svg(
        [
            (stage_names.get(stage, stage), [float(n)])
            for stage, n in found.late_tasks_by_stage.items()
        ],
        series=[tr(request, "late tasks")],
        title=tr(request, "Late tasks per stage"),
        value_label="{:.0f}",
        rtl=rtl,
    )
    # charts.py escapes every label it draws
    return {"times_svg": Markup(times), "late_svg": Markup(late)}  # noqa: S704


@router.get("/playbooks")
def playbooks_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """Running and recent responses you may read, and where to find the metrics."""
    principal = viewer.principal
    context: dict[str, Any] = {
        "active": reading.list_responses(session=session, principal=principal, active=True),
        "recent": reading.list_responses(
            session=session, principal=principal, active=False, limit=20
        ),
        "type_label": lambda kind: type_label(request, kind),
        "pick": lambda value: pick(value, locale_of(request)),
    }
    return render(request, "playbooks/overview.html", context)


@router.get("/playbooks/metrics")
def metrics_page(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    network: Annotated[int | None, Query(ge=1, le=2_000_000_000)] = None,
) -> Response:
    """Median times to acknowledge, stabilise and return to routine, and late tasks."""
    found = metrics.playbook_metrics(
        session=session, principal=viewer.principal, network_id=network
    )
    context: dict[str, Any] = {
        "metrics": found,
        "networks": orgs_service.acting_networks(session, viewer.principal),
        "type_label": lambda kind: type_label(request, kind),
        **_charts(request, found),
    }
    return render(request, "playbooks/metrics.html", context)
