"""What the report's templates get from its content (frozen or live): the figures, the charts
drawn from them, the sections and the notable incidents, in the viewer's language."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from babel.core import UnknownLocaleError
from babel.dates import get_month_names
from fastapi import Request
from fastapi.responses import Response

from vigil.core.bidi import right_to_left
from vigil.core.config import Settings
from vigil.core.localisation import DEFAULT_LOCALE, gettext_for, locale_of
from vigil.core.pages import render
from vigil.core.pdf import render_pdf
from vigil.incidents.typology import IHRA_INDICATORS, IHRA_REMINDER
from vigil.reports.annual_charts import report_charts
from vigil.reports.statistics_tables import Labels


def month_names(locale: str, width: Literal["abbreviated", "wide"] = "wide") -> tuple[str, ...]:
    """January to December as the locale names them on their own (CLDR, through Babel)."""
    try:
        names = get_month_names(width, context="stand-alone", locale=locale)
    except (UnknownLocaleError, ValueError):
        names = get_month_names(width, context="stand-alone", locale=DEFAULT_LOCALE)
    return tuple(names[month] for month in range(1, 13))


def last_day(end: str) -> str:
    """The last day a period includes (its stored end is the day after)."""
    return (dt.date.fromisoformat(end) - dt.timedelta(days=1)).isoformat()


def body_context(
    request: Request, content: dict[str, Any], *, org_name: str, draft: bool
) -> dict[str, Any]:
    """The context of reports/_annual_body.html."""
    locale = locale_of(request)
    gettext = gettext_for(locale)
    figures = content["figures"]
    return {
        "content": content,
        "figures": figures,
        "sections": content["sections"],
        "notable": content["notable"],
        "charts": report_charts(
            figures,
            gettext,
            months=month_names(locale, "abbreviated"),
            labels=Labels(locale, gettext),
            rtl=right_to_left(locale),
        ),
        "org_name": org_name,
        "draft": draft,
        "ihra_labels": IHRA_INDICATORS,
        "ihra_reminder": IHRA_REMINDER,
        "months": month_names(locale),
        "last_day": last_day(figures["end"]),
        "previous_last_day": last_day(figures["previous"]["end"]),
    }


def pdf_response(
    request: Request, context: dict[str, Any], *, settings: Settings, filename: str
) -> Response:
    """The report (draft or published) as a PDF, from the same template either way."""
    html = bytes(render(request, "reports/annual_pdf.html", context).body).decode("utf-8")
    return Response(
        render_pdf(html, settings=settings),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
