"""The plan in money (issue 21): each measure's cost class as the money range its
organisation set (`orgs.cost_bands`), totals per timeframe and overall, and the table a site
attaches to a funding application (CSV, and a section of the PDF report).

Totals add the minima and the maxima apart, so a plan of one low and one medium measure costs
"1,000 - 11,000" with the defaults. Money is in whole units, written as the reader's locale
writes a currency (Babel/CLDR) on pages; the CSV keeps plain numbers a spreadsheet reads.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency

from vigil.assessments.parameters import TIMEFRAMES
from vigil.core.localisation import DEFAULT_LOCALE, FORMAT_LOCALES
from vigil.orgs.schemas import CostBandsRead

CSV_COLUMNS = (
    "measure",
    "section",
    "timeframe",
    "cost_class",
    "money_min",
    "money_max",
    "currency",
    "risk_reduced",
    "status",
)
# A measure of an assessment not yet completed is proposed: nobody has decided on it.
PROPOSED = "proposed"


@dataclass(frozen=True)
class MoneyRange:
    low: int
    high: int

    def __add__(self, other: MoneyRange) -> MoneyRange:
        return MoneyRange(self.low + other.low, self.high + other.high)


NOTHING = MoneyRange(0, 0)


def money_of(bands: CostBandsRead, cost: str) -> MoneyRange:
    """A cost class's range; an unknown class (a hand-made measure always has one of the
    three) counts as nothing rather than breaking the plan."""
    if cost not in ("low", "medium", "high"):
        return NOTHING
    return MoneyRange(getattr(bands, f"{cost}_min"), getattr(bands, f"{cost}_max"))


def money_text(amount: int, currency: str, locale: str) -> str:
    """An amount as the locale writes it in that currency, without decimals ("1 000 Kč")."""
    for code in (FORMAT_LOCALES.get(locale, locale), FORMAT_LOCALES[DEFAULT_LOCALE]):
        try:
            pattern = Locale.parse(code).currency_formats["standard"].pattern
        except (UnknownLocaleError, ValueError):
            continue
        whole = re.sub(r"\.0+", "", pattern)
        return format_currency(amount, currency, format=whole, locale=code, currency_digits=False)
    return f"{amount} {currency}"  # pragma: no cover - English always parses


def range_text(money: MoneyRange, currency: str, locale: str) -> str:
    return f"{money_text(money.low, currency, locale)} – {money_text(money.high, currency, locale)}"


def plan_money(
    measures: Sequence[Mapping[str, Any]], bands: CostBandsRead, locale: str
) -> dict[str, Any]:
    """What the result pages show: each measure's range by id, totals per timeframe and
    overall, as numbers and as text in the reader's locale."""
    each = {str(m["measure_id"]): money_of(bands, str(m["cost"])) for m in measures}
    totals: dict[str, MoneyRange] = {}
    for m in measures:
        totals[m["timeframe"]] = totals.get(m["timeframe"], NOTHING) + each[str(m["measure_id"])]
    overall = sum(totals.values(), NOTHING)
    currency = bands.currency

    def shown(money: MoneyRange) -> dict[str, Any]:
        return {"min": money.low, "max": money.high, "text": range_text(money, currency, locale)}

    return {
        "currency": currency,
        "is_default": bands.is_default,
        "measures": {mid: shown(money) for mid, money in each.items()},
        "timeframes": {t: shown(totals[t]) for t in TIMEFRAMES if t in totals},
        "overall": shown(overall),
    }


def funding_rows(
    measures: Sequence[Mapping[str, Any]],
    bands: CostBandsRead,
    *,
    section_title: Callable[[str], str],
    statuses: Mapping[str, str],
) -> list[dict[str, Any]]:
    """One row a measure, in the plan's order, with the columns of CSV_COLUMNS (and the
    measure's id, for the pages)."""
    rows = []
    for m in measures:
        money = money_of(bands, str(m["cost"]))
        rows.append(
            {
                "measure_id": str(m["measure_id"]),
                "measure": str(m["text"]),
                "section": section_title(str(m["section"])),
                "timeframe": m["timeframe"],
                "cost_class": m["cost"],
                "money_min": money.low,
                "money_max": money.high,
                "currency": bands.currency,
                "risk_reduced": round(float(m["risk_reduced"]["value"]), 2),
                "status": statuses.get(str(m["measure_id"]), PROPOSED),
            }
        )
    return rows


def _cell(value: object) -> object:
    """A text a spreadsheet would run as a formula (a methodology's words are an
    organisation's) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def funding_csv(rows: Sequence[Mapping[str, Any]], words: Mapping[str, str]) -> str:
    """The rows as CSV: the header and the coded words (timeframe, cost class, status) in the
    reader's language (`words`: code -> word), the numbers plain."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([words.get(column, column) for column in CSV_COLUMNS])
    coded = ("timeframe", "cost_class", "status")
    for row in rows:
        writer.writerow(
            [_cell(words.get(row[c], row[c]) if c in coded else row[c]) for c in CSV_COLUMNS]
        )
    return out.getvalue()
