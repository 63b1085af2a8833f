"""The statistics page's charts as the viewer reads them: each chart's rows labelled in the
viewer's language, its SVG, and the table and CSV of exactly the numbers it draws.

The regions are also drawn on a map (geo.region_map, from the shipped boundaries). Code labels
come from the incident pages' own label macros (incidents/_labels.html), so a type
or bias reads the same here as everywhere else and is translated once.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections.abc import Callable
from dataclasses import dataclass

from babel.core import UnknownLocaleError
from babel.dates import format_date
from markupsafe import Markup

from vigil.core.bidi import right_to_left
from vigil.core.localisation import DEFAULT_LOCALE, template_gettext, territory_name
from vigil.core.pages import templates
from vigil.core.transfer import defuse_formula
from vigil.geo.forms import country_options
from vigil.geo.region_map import region_map_svg
from vigil.reports.charts import category_bars_svg, column_chart_svg
from vigil.reports.facts import month_start
from vigil.reports.models import UNSPECIFIED
from vigil.reports.statistics import OTHER, PLACE_DIMS, Chart, Row, StatisticsView

Translate = Callable[..., str]
_MACROS = {
    "type": "type_label",
    "bias": "bias_label",
    "ihra": "ihra_label",
    "target_kind": "target_label",
}


@dataclass(frozen=True)
class TableRow:
    key: str  # the row's codes, "/"-joined (country/place for places)
    label: str
    values: tuple[int, ...]
    link: str | None


@dataclass(frozen=True)
class ChartTable:
    """One chart of the page: its SVG and the table beside it (the CSV's rows)."""

    name: str
    title: str
    headers: tuple[str, ...]  # the row label's column, then one per series
    rows: tuple[TableRow, ...]
    svg: Markup
    note: str = ""


class Labels:
    """Row labels in one locale: codes through the incident label macros, countries by name,
    periods as the locale writes them."""

    # `gettext`, not `tr`: pybabel extracts gettext("...") calls (tr is its two-argument
    # keyword, tr(request, "...")).
    def __init__(self, locale: str, gettext: Translate) -> None:
        macro_gettext, macro_ngettext = template_gettext(locale)
        self.macros = templates.env.get_template("incidents/_labels.html").make_module(
            {"_": macro_gettext, "gettext": macro_gettext, "ngettext": macro_ngettext}
        )
        self.locale = locale
        self.gettext = gettext
        self.countries = dict(country_options())

    def code(self, dim: str, code: str) -> str:
        macro = getattr(self.macros, _MACROS[dim])
        return html.unescape(str(macro(code))).strip()  # the macro's output is HTML

    def period(self, grain: str, key: str) -> str:
        if grain == "month":
            try:
                return format_date(month_start(key), "MMM y", locale=self.locale)
            except (UnknownLocaleError, ValueError):
                return format_date(month_start(key), "MMM y", locale=DEFAULT_LOCALE)
        return key  # a year, or an ISO week such as 2026-W10

    def row(self, dim: str, key: tuple[str, ...], grain: str) -> str:
        if key == (UNSPECIFIED,):
            return self.gettext("Unspecified")
        if key == (OTHER,) and dim in PLACE_DIMS:  # codes have an "other" of their own
            return self.gettext("Other places")
        if dim == grain:
            return self.period(grain, key[0])
        if dim == "ihra":
            return f"{ihra_short(key[0])}: {self.code(dim, key[0])}"
        if dim in _MACROS:
            return self.code(dim, key[0])
        if dim == "country":
            return territory_name(key[0], self.locale, self.countries.get(key[0], key[0]))
        return f"{key[1]} ({key[0]})" if key[0] else key[1]


def _headers(gettext: Translate, view: StatisticsView) -> dict[str, tuple[str, ...]]:
    incidents = gettext("Incidents")
    step = {"week": gettext("Week"), "month": gettext("Month"), "year": gettext("Year")}[view.grain]
    this = gettext(
        "%(start)s to %(end)s", start=view.start.isoformat(), end=view.last_day.isoformat()
    )
    earlier = gettext(
        "%(start)s to %(end)s",
        start=view.before[0].isoformat(),
        end=(view.before[1] - dt.timedelta(days=1)).isoformat(),
    )
    return {
        "over-time": (step, incidents),
        "year-over-year": (step, this, earlier),
        "type": (gettext("Type"), incidents),
        "bias": (gettext("Bias motivation"), incidents),
        "ihra": (gettext("IHRA indicator"), incidents),
        "target-kind": (gettext("Target"), incidents),
        "country": (gettext("Country"), incidents),
        "region": (gettext("Region"), incidents),
        "city": (gettext("City"), incidents),
    }


def _titles(gettext: Translate, grain: str) -> dict[str, str]:
    return {
        "over-time": {
            "week": gettext("Incidents by week"),
            "month": gettext("Incidents by month"),
            "year": gettext("Incidents by year"),
        }[grain],
        "year-over-year": gettext("This period and the same period a year before"),
        "type": gettext("By type"),
        "bias": gettext("By bias motivation"),
        "ihra": gettext("By IHRA indicator"),
        "target-kind": gettext("By target"),
        "country": gettext("By country"),
        "region": gettext("By region"),
        "city": gettext("By city"),
    }


def _svg(
    chart: Chart, table: list[TableRow], title: str, headers: tuple[str, ...], rtl: bool
) -> str:
    if chart.name in ("over-time", "year-over-year"):
        return column_chart_svg(
            [(r.label, r.values) for r in table], series=headers[1:], title=title, rtl=rtl
        )
    # The indicators' sentences are the table's; the chart numbers them.
    short = chart.name == "ihra"
    rows = [(r.label.split(":")[0] if short else r.label, r.values[0]) for r in table]
    return category_bars_svg(rows, series=headers[1], title=title, rtl=rtl)


def ihra_short(code: str) -> str:
    """ihra.4 -> IHRA 4, as the filter form names the indicators."""
    return code.replace("ihra.", "IHRA ")


def chart_tables(view: StatisticsView, labels: Labels) -> list[ChartTable]:
    """Every chart of the view, labelled, drawn, with its table; the region map comes first
    among the places when the geo domain can draw one."""
    gettext = labels.gettext
    headers, titles = _headers(gettext, view), _titles(gettext, view.grain)
    codes_note = gettext(
        "An incident with several codes counts under each, so this column adds up to more "
        "than the number of incidents; those with none are counted as unspecified."
    )
    found = []
    for name, chart in view.charts.items():
        table = [_table_row(chart, row, labels, view.grain) for row in chart.rows]
        svg = _svg(chart, table, titles[name], headers[name], right_to_left(labels.locale))
        found.append(
            ChartTable(
                name=name,
                title=titles[name],
                headers=headers[name],
                rows=tuple(table),
                svg=Markup(svg),  # noqa: S704 - charts.py escapes every label it draws
                note=codes_note if name in ("bias", "ihra") else "",
            )
        )
    return found


def _table_row(chart: Chart, row: Row, labels: Labels, grain: str) -> TableRow:
    return TableRow(
        key="/".join(row.key),
        label=labels.row(chart.dim, row.key, grain),
        values=row.values,
        link=row.link,
    )


def region_map(view: StatisticsView, title: str, empty: str, *, rtl: bool = False) -> Markup | None:
    """The regions on the shipped boundaries' map; none when no incident has a known region
    (the table beside says where they are)."""
    if not view.regions:
        return None
    svg = region_map_svg(view.regions, title=title, empty_label=empty, rtl=rtl)
    return Markup(svg)  # noqa: S704 - region_map_svg escapes every label it draws


def csv_of(table: ChartTable) -> str:
    """The chart's table as CSV: the row's key, then exactly the table's columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["key", *table.headers])
    for row in table.rows:
        writer.writerow([defuse_formula(row.key), defuse_formula(row.label), *row.values])
    return out.getvalue()
