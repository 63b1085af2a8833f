"""Why an incident may be the event a report tells, in the order a coordinator checks it: how far
apart in time and place, the site, the names and numbers both give, the wording (or that the two
are in different languages), the type.

Each reason is a message marked for translation with its values, shown in the reader's language
by the pages (templates/incidents/_duplicate_reasons.html), and its English text for the API.
"""

from __future__ import annotations

from vigil.incidents.duplicate_schemas import Reason
from vigil.incidents.duplicate_scoring import Account, Closeness

Values = dict[str, str | int | float]
SIMILAR_WORDING = 0.5
NAMES_SHOWN = 3


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """Mark a message for translation where it is shown, not where it is written."""
    return message


def _reason(signal: str, message: str, **values: str | int | float) -> Reason:
    return Reason(signal=signal, message=message, values=values, text=message % values)


def _time(c: Closeness) -> Reason:
    hours = c.hours
    if hours < 1 / 60:
        return _reason("time", N_("same time"))
    if hours < 1:
        return _reason("time", N_("%(minutes)s min apart"), minutes=round(hours * 60))
    if hours < 48:
        return _reason("time", N_("%(hours)s h apart"), hours=round(hours))
    return _reason("time", N_("%(days)s days apart"), days=round(hours / 24, 1))


def _place(c: Closeness, a: Account, b: Account) -> Reason:
    if c.km is not None and c.exact:
        if c.km < 0.01:
            return _reason("place", N_("less than 10 m apart"))
        if c.km < 1:
            return _reason("place", N_("%(metres)s m apart"), metres=int(round(c.km * 1000, -1)))
        return _reason("place", N_("%(km)s km apart"), km=round(c.km, 1))
    if c.place >= 1:
        city = b.city or a.city
        if city:
            return _reason("place", N_("same city: %(city)s"), city=city)
        return _reason("place", N_("same city"))
    return _reason("place", N_("place not known precisely enough to compare"))


def _evidence(c: Closeness) -> list[Reason]:
    found = []
    if c.same_site is not None:
        found.append(
            _reason("site", N_("same site")) if c.same_site else _reason("site", N_("other site"))
        )
    if c.names:
        shown = ", ".join(c.names[:NAMES_SHOWN])
        found.append(_reason("names", N_("names both give: %(names)s"), names=shown))
    elif c.names_conflict:
        found.append(_reason("names", N_("the two name different places")))
    if c.numbers:
        found.append(
            _reason("numbers", N_("numbers both give: %(numbers)s"), numbers=", ".join(c.numbers))
        )
    if c.wording is not None:
        percent = round(c.wording * 100)
        if c.wording >= SIMILAR_WORDING:
            found.append(_reason("wording", N_("similar wording (%(percent)s%%)"), percent=percent))
        else:
            found.append(
                _reason("wording", N_("different wording (%(percent)s%%)"), percent=percent)
            )
    elif all(c.languages) and c.languages[0] != c.languages[1]:
        a, b = c.languages
        found.append(_reason("languages", N_("in two languages (%(a)s, %(b)s)"), a=a, b=b))
    if c.same_type:
        found.append(_reason("type", N_("same type: %(type)s"), type=c.other_type))
    else:
        found.append(_reason("type", N_("different type: %(type)s"), type=c.other_type))
    return found


def reasons(c: Closeness, a: Account, b: Account) -> list[Reason]:
    """Why `b` may be the event `a` describes."""
    return [_time(c), _place(c, a, b), *_evidence(c)]
