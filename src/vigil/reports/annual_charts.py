"""The annual report's charts, drawn from its figures (frozen or live) as inline SVG with the
statistics page's charts (reports.charts): months as columns, the last year beside the one
before; categories, motivations, targets and countries as bars. Each sits beside the table it
draws, in the page and in the PDF alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from markupsafe import Markup

from vigil.reports.charts import category_bars_svg, column_chart_svg


class CodeLabels(Protocol):
    def row(self, dim: str, key: tuple[str, ...], grain: str) -> str: ...


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TYPE_CHARTS = 10  # month-by-month charts, one for each of the largest categories
TOP_PLACES = 12  # a chart of places draws the largest; the table beside it lists them all


def _bars(
    rows: list[dict[str, Any]], label: Callable[[dict[str, Any]], str]
) -> list[tuple[str, int]]:
    return [(label(r), int(r["count"])) for r in rows]


def _month_label(month: str, months: Sequence[str]) -> str:
    """ "2025-03" as "Mar" (the year is the chart's caption)."""
    return months[int(month[5:7]) - 1]


def report_charts(
    figures: dict[str, Any],
    gettext: Callable[[str], str],
    *,
    months: Sequence[str] = MONTHS,
    labels: CodeLabels | None = None,
    rtl: bool = False,
) -> dict[str, Markup]:
    """SVG per table name: monthly (the last year beside the one before; the table has three),
    types, bias, targets, countries, and `type-{code}` month by month for the largest
    categories. `months` are the locale's short month names; `labels` name the codes (the
    incident pages' labels) and countries in the reader's language; `rtl` mirrors them for
    right-to-left pages (reports.charts)."""

    def code(dim: str, row: dict[str, Any]) -> str:
        if row["code"] == "unspecified":
            return gettext("unspecified")
        return labels.row(dim, (row["code"],), "") if labels else row["code"]

    monthly = figures["monthly"]
    incidents = gettext("Incidents")
    charts = {
        "monthly": column_chart_svg(
            [(months[r["month"] - 1], r["counts"][-2:]) for r in monthly["rows"]],
            series=monthly["years"][-2:],
            title=gettext("Incidents by month"),
            rtl=rtl,
        ),
        "types": category_bars_svg(
            _bars(figures["types"], lambda r: gettext(r.get("label", r["code"]))),
            series=incidents,
            title=gettext("Incidents by category"),
            rtl=rtl,
        ),
        "bias": category_bars_svg(
            _bars(figures["bias"], lambda r: code("bias", r)),
            series=incidents,
            title=gettext("Incidents by bias motivation"),
            rtl=rtl,
        ),
        "targets": category_bars_svg(
            _bars(figures["targets"], lambda r: code("target_kind", r)),
            series=incidents,
            title=gettext("Incidents by target"),
            rtl=rtl,
        ),
        "countries": category_bars_svg(
            _bars(figures["countries"][:TOP_PLACES], lambda r: code("country", r)),
            series=incidents,
            title=gettext("Incidents by country"),
            rtl=rtl,
        ),
    }
    by_type = figures.get("type_months", {"months": [], "series": []})
    several_years = len(by_type["months"]) > 12
    for entry in by_type["series"][:TYPE_CHARTS]:
        rows = [
            (month if several_years else _month_label(month, months), [n])
            for month, n in zip(by_type["months"], entry["counts"], strict=True)
        ]
        label = gettext(entry["label"])
        charts[f"type-{entry['code']}"] = column_chart_svg(
            rows, series=[label], title=label, rtl=rtl
        )
    # The SVG is built from escaped labels (reports.charts), so it is safe to insert.
    return {name: Markup(svg) for name, svg in charts.items()}  # noqa: S704
