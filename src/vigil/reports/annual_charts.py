"""The annual report's charts, drawn from its figures (frozen or live) as inline SVG bar charts,
each beside the table it draws, in the page and in the PDF alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from vigil.playbooks.charts import bar_chart_svg

COUNT = "{:.0f}"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TYPE_CHARTS = 10  # month-by-month charts, one for each of the largest categories
TOP_PLACES = 12  # a chart of places draws the largest; the table beside it lists them all


def _rows(
    rows: list[dict[str, Any]], label: Callable[[dict[str, Any]], str]
) -> list[tuple[str, list[float | None]]]:
    return [(label(r), [float(r["count"])]) for r in rows]


def report_charts(figures: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Markup]:
    """SVG per table name: monthly (the last year beside the one before; the table has three),
    types, bias, targets, countries, and `type-{code}` month by month for the largest
    categories."""
    monthly = figures["monthly"]
    month_rows: list[tuple[str, list[float | None]]] = [
        (gettext(MONTHS[r["month"] - 1]), [float(n) for n in r["counts"][-2:]])
        for r in monthly["rows"]
    ]

    def one(title: str, rows: list[tuple[str, list[float | None]]]) -> str:
        return bar_chart_svg(
            rows, series=[title], title=title, value_label=COUNT, empty=gettext("none")
        )

    charts = {
        "monthly": bar_chart_svg(
            month_rows,
            series=monthly["years"][-2:],
            title=gettext("Incidents by month"),
            value_label=COUNT,
            empty=gettext("none"),
        ),
        "types": one(
            gettext("Incidents by category"),
            _rows(figures["types"], lambda r: gettext(r.get("label", r["code"]))),
        ),
        "bias": one(
            gettext("Incidents by bias motivation"),
            _rows(figures["bias"], lambda r: r["code"].replace("_", " ")),
        ),
        "targets": one(
            gettext("Incidents by target"), _rows(figures["targets"], lambda r: gettext(r["code"]))
        ),
        "countries": one(
            gettext("Incidents by country"),
            _rows(figures["countries"][:TOP_PLACES], lambda r: r["code"]),
        ),
    }
    by_type = figures.get("type_months", {"months": [], "series": []})
    for entry in by_type["series"][:TYPE_CHARTS]:
        rows: list[tuple[str, list[float | None]]] = [
            (str(month), [float(n)])
            for month, n in zip(by_type["months"], entry["counts"], strict=True)
        ]
        charts[f"type-{entry['code']}"] = one(gettext(entry["label"]), rows)
    # The SVG is built from escaped labels (playbooks.charts), so it is safe to insert.
    return {name: Markup(svg) for name, svg in charts.items()}  # noqa: S704
