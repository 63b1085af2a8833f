"""The figures of an annual report: every table the report prints, counted on the published
basis (verified and closed incidents, DOMAIN.md counting rule 2) through `counting.counts`, as
plain JSON-ready data. Publishing stores exactly this, so a published report never changes when
incidents do; the draft's preview computes it afresh.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from vigil.core.errors import N_
from vigil.incidents.typology import TYPE_LABELS, Bias, IncidentType, TargetKind
from vigil.reports.counting import Dim, FigureFilters, counts, iter_matching
from vigil.reports.facts import PUBLISHED
from vigil.reports.models import UNSPECIFIED

MONTH_YEARS = 3  # the monthly table spans the report's last year and the two before it
# The definitions printed under "Categories", in our own words (DOMAIN.md "Incident types"),
# marked for the catalogue: the report translates them when it prints them.
TYPE_DEFINITIONS = {
    "extreme_violence": N_(
        "An attack that could cause loss of life or grievous harm (weapons, "
        "arson, explosives, vehicle ramming)."
    ),
    "assault": N_(
        "A physical attack on a person short of extreme violence, including attempts "
        "and thrown objects."
    ),
    "damage": N_(
        "Damage to or desecration of property: buildings, memorials, cemeteries, hateful "
        "graffiti on community property."
    ),
    "threat": N_(
        "A clear threat to people or property, spoken, written or online, including bomb "
        "and hoax threats."
    ),
    "abusive_behaviour": N_(
        "Verbal or written abuse aimed at a person or organisation, including "
        "online abuse and hateful graffiti on non-community property."
    ),
    "literature": N_("Mass-produced hateful material: leaflets, stickers, mass e-mails and posts."),
    "hostile_reconnaissance": N_("Suspected surveillance or probing of a site."),
    "suspicious_item": N_("An unattended bag, suspicious package or vehicle."),
    "intrusion": N_("Unauthorised entry or an attempt at it."),
    "cyber": N_(
        "An attack on an organisation's systems or people online (DDoS, doxxing, account takeover)."
    ),
    "other": N_("Anything else recorded as an incident."),
}


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before: the same months a year earlier for whole years, else the same
    number of days before `start`."""
    if start.month == end.month and start.day == end.day == 1 and end.year > start.year:
        years = end.year - start.year
        return dt.date(start.year - years, start.month, 1), start
    return start - (end - start), start


def _count(
    session: Session, org_id: int, start: dt.date, end: dt.date, by: tuple[Dim, ...]
) -> dict[tuple[str, ...], int]:
    filters = FigureFilters(start=start, end=end)
    return counts(session=session, org_ids=[org_id], filters=filters, by=by, basis=PUBLISHED)


def _rows(
    found: dict[tuple[str, ...], int], order: list[str] | None = None
) -> list[dict[str, Any]]:
    """One row per value, in the typology's order when given, else by count; an empty value is
    `unspecified` (counting rule 4)."""
    merged: dict[str, int] = {}
    for key, n in found.items():
        code = key[0] or UNSPECIFIED
        merged[code] = merged.get(code, 0) + n
    codes = [c for c in order or [] if c in merged]
    codes += sorted((c for c in merged if c not in codes), key=lambda c: (-merged[c], c))
    return [{"code": c, "count": merged[c]} for c in codes]


def _place_rows(found: dict[tuple[str, ...], int]) -> list[dict[str, Any]]:
    rows = [
        {"country": k[0] or UNSPECIFIED, "name": k[1] or UNSPECIFIED, "count": n}
        for k, n in found.items()
    ]
    return sorted(rows, key=lambda r: (-r["count"], r["country"], r["name"]))


def monthly_table(session: Session, org_id: int, end: dt.date) -> dict[str, Any]:
    """Months by year for the report's last year and the two before it, with totals."""
    last = (end - dt.timedelta(days=1)).year
    years = [str(y) for y in range(last - MONTH_YEARS + 1, last + 1)]
    found = _count(
        session, org_id, dt.date(int(years[0]), 1, 1), dt.date(last + 1, 1, 1), ("month",)
    )
    table = [[found.get((f"{y}-{m:02d}",), 0) for y in years] for m in range(1, 13)]
    rows = [{"month": m, "counts": table[m - 1]} for m in range(1, 13)]
    totals = [sum(line[i] for line in table) for i in range(len(years))]
    return {"years": years, "rows": rows, "totals": totals}


def type_months(
    session: Session, org_id: int, start: dt.date, end: dt.date, types: list[dict[str, Any]]
) -> dict[str, Any]:
    """Each category's incidents month by month over the period, largest categories first."""
    found = _count(session, org_id, start, end, ("type", "month"))
    months: list[str] = []
    day = dt.date(start.year, start.month, 1)
    while day < end:
        months.append(f"{day.year:04d}-{day.month:02d}")
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    ranked = sorted(types, key=lambda r: (-r["count"], r["code"]))
    series = [
        {
            "code": r["code"],
            "label": r["label"],
            "counts": [found.get((r["code"], m), 0) for m in months],
        }
        for r in ranked
    ]
    return {"months": months, "series": series}


def change_of(total: int, previous: int) -> dict[str, Any]:
    """The change against the previous period, in incidents and (when defined) per cent."""
    percent = None if previous == 0 else round((total - previous) * 100 / previous, 1)
    return {"difference": total - previous, "percent": percent}


def report_figures(
    *, session: Session, org_id: int, start: dt.date, end: dt.date
) -> dict[str, Any]:
    """Every figure of the report for one organisation's period (end exclusive)."""
    before = previous_period(start, end)
    total = sum(_count(session, org_id, start, end, ()).values())
    previous = sum(_count(session, org_id, *before, ()).values())
    types = _rows(_count(session, org_id, start, end, ("type",)), [t.value for t in IncidentType])
    for row in types:
        row["label"] = TYPE_LABELS.get(row["code"], row["code"])
        row["definition"] = TYPE_DEFINITIONS.get(row["code"], "")
    targets = _rows(
        _count(session, org_id, start, end, ("target_kind",)), [t.value for t in TargetKind]
    )
    injured = [
        fact.injuries
        for fact in iter_matching(
            session, [org_id], FigureFilters(start=start, end=end), list(PUBLISHED)
        )
        if fact.injuries
    ]
    return {
        "basis": list(PUBLISHED),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "total": total,
        "previous": {
            "start": before[0].isoformat(),
            "end": before[1].isoformat(),
            "total": previous,
        },
        "change": change_of(total, previous),
        "monthly": monthly_table(session, org_id, end),
        "types": types,
        "type_months": type_months(session, org_id, start, end, types),
        "bias": _rows(_count(session, org_id, start, end, ("bias",)), [b.value for b in Bias]),
        "ihra": _rows(_count(session, org_id, start, end, ("ihra",))),
        "targets": targets,
        "persons_targeted": next((r["count"] for r in targets if r["code"] == "person"), 0),
        # Injuries as recorded on each incident (a count of people hurt, no personal details).
        "injuries": {"people": sum(injured), "incidents": len(injured)},
        "countries": _rows(_count(session, org_id, start, end, ("country",))),
        "regions": _place_rows(_count(session, org_id, start, end, ("country", "region"))),
        "cities": _place_rows(_count(session, org_id, start, end, ("country", "city"))),
    }
