"""The viewer's language and zone: the message catalogues, the locale a request is answered in
(a link's ?lang=, the person's choice, the browser's, the organisation's default), gettext for
templates and Python code, and moments shown in the reader's zone with the locale's formats.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from babel.core import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_date, format_time, format_timedelta, get_datetime_format
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from fastapi import Request
from markupsafe import Markup

from vigil.core.forms import valid_zone, zone_or_utc

LOCALES = Path(__file__).resolve().parents[1] / "locale"
DEFAULT_LOCALE = "en"
RTL_LOCALES = frozenset({"he", "ar", "fa", "ur"})
UTC_ZONE = "UTC"
# Vigil's English is Europe's: its dates and times follow English as written in Europe (day
# first, 24-hour clock) rather than American English, Babel's plain "en".
FORMAT_LOCALES = {"en": "en_150"}


@lru_cache(maxsize=16)
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(LOCALES), [locale, DEFAULT_LOCALE], domain="messages")


def gettext_for(locale: str) -> Any:
    return translations(locale).gettext


@lru_cache(maxsize=1)
def available_locales() -> tuple[str, ...]:
    found = {p.name for p in LOCALES.glob("*") if (p / "LC_MESSAGES").is_dir()}
    return tuple(sorted(found | {DEFAULT_LOCALE}))


def template_gettext(locale: str) -> tuple[Any, Any]:
    """gettext/ngettext for one render, passed in the context rather than installed on the
    shared environment, so concurrent requests in different languages cannot mix."""
    catalogue = translations(locale)

    @jinja2.pass_context
    def gettext(context: jinja2.runtime.Context, message: str, **variables: Any) -> str:
        text: str = catalogue.gettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogue; `%` escapes the variables
        return text % variables

    @jinja2.pass_context
    def ngettext(
        context: jinja2.runtime.Context, singular: str, plural: str, num: int, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text: str = catalogue.ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogue; `%` escapes the variables
        return text % variables

    return gettext, ngettext


def template_pgettext(locale: str) -> Any:
    """pgettext for one render: a msgid with a context, for an English word with two meanings
    ("Report" an incident's report, "Report" an assessment's document), each its own entry."""
    catalogue = translations(locale)

    @jinja2.pass_context
    def pgettext(
        context: jinja2.runtime.Context, message_context: str, message: str, **variables: Any
    ) -> str:
        text = str(catalogue.pgettext(message_context, message))
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogue; `%` escapes the variables
        return text % variables

    return pgettext


@lru_cache(maxsize=1)
def languages_offered() -> tuple[tuple[str, str], ...]:
    """Each available language in its own name and script, for the public pages' switcher."""
    offered = []
    for code in available_locales():
        name = Locale.parse(code).get_display_name(code) or code
        offered.append((code, name[:1].upper() + name[1:]))
    return tuple(offered)


def requested_locale(request: Request) -> str | None:
    """The language a link asks for (`?lang=cs`, the public pages' switcher), if Vigil has it."""
    wanted = request.query_params.get("lang", "").strip().replace("-", "_")
    return wanted if wanted in available_locales() else None


@dataclass(frozen=True)
class Preferences:
    """What decides a page's language and zone besides the link: the signed-in person's own
    choices, then the defaults of the organisation the page is for ("" = not chosen)."""

    locale: str = ""
    zone: str = ""
    org_locale: str = ""
    org_zone: str = ""


def remember_preferences(request: Request, preferences: Preferences) -> None:
    request.state.preferences = preferences


def preferences_of(request: Request) -> Preferences:
    found: Preferences | None = getattr(request.state, "preferences", None)
    return found or Preferences()


def for_organisation(request: Request, *, locale: str, zone: str) -> None:
    """A page that belongs to an organisation (its public report form, its published report):
    its default language and zone, unless the viewer's own organisation already gave theirs."""
    known = preferences_of(request)
    remember_preferences(
        request,
        replace(known, org_locale=known.org_locale or locale, org_zone=known.org_zone or zone),
    )


def browser_locale(request: Request) -> str | None:
    """The shipped language that best fits the browser's Accept-Language, if any does."""
    wanted = [
        part.split(";")[0].strip().replace("-", "_")
        for part in request.headers.get("accept-language", "").split(",")
        if part.strip()
    ]
    return negotiate_locale(wanted, list(available_locales())) if wanted else None


def locale_of(request: Request) -> str:
    """The language a link asks for, else the signed-in person's choice, else the best match for
    the browser's Accept-Language, else the organisation's default (the one the member acts for,
    or the one whose public page this is), else English."""
    chosen: str | None = requested_locale(request) or getattr(request.state, "locale", None)
    if chosen:
        return chosen
    shipped = available_locales()
    preferences = preferences_of(request)
    if preferences.locale in shipped:
        return preferences.locale
    found = browser_locale(request)
    if found:
        return found
    return preferences.org_locale if preferences.org_locale in shipped else DEFAULT_LOCALE


def zone_of(request: Request) -> str:
    """The zone a page shows times in: the person's own, else their organisation's (or the
    organisation's whose public page this is), else UTC."""
    preferences = preferences_of(request)
    for zone in (preferences.zone, preferences.org_zone):
        if zone and valid_zone(zone):
            return zone
    return UTC_ZONE


def _format_locale(locale: str) -> str:
    return FORMAT_LOCALES.get(locale, locale)


def shown_in(value: dt.datetime, zone: str, locale: str) -> str:
    """A moment as the locale writes a date and a time of day (Babel/CLDR, no seconds)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    tz = zone_or_utc(zone)
    local = value.astimezone(tz)
    for code in (_format_locale(locale), _format_locale(DEFAULT_LOCALE)):
        try:
            day = format_date(local, format="medium", locale=code)
            hour = format_time(local, format="short", locale=code)
            joined = str(get_datetime_format("medium", locale=code)).replace("'", "")
        except (UnknownLocaleError, ValueError):
            continue
        return joined.format(hour, day)
    return local.strftime("%Y-%m-%d %H:%M")  # pragma: no cover - en always parses


def time_element(value: dt.datetime, zone: str, locale: str, *, named: bool = False) -> Markup:
    """A `<time>` element: the moment in `zone`, the UTC instant in its `datetime` and, in the
    title (shown on hover), in UTC. A zone that is not the reader's own is named."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    zone = zone if valid_zone(zone) else UTC_ZONE
    text = shown_in(value, zone, locale)
    if named:
        text = f"{text} ({zone})"
    elif zone == UTC_ZONE:
        text = f"{text} UTC"
    utc = value.astimezone(dt.UTC)
    return Markup('<time datetime="{}" title="{} UTC">{}</time>').format(
        utc.isoformat(timespec="seconds").replace("+00:00", "Z"),
        shown_in(utc, UTC_ZONE, locale),
        text,
    )


@jinja2.pass_context
def _format_datetime(context: jinja2.runtime.Context, value: dt.datetime | None) -> Markup | str:
    """A moment in the reader's zone (the render context's `zone`, see core.pages.render)."""
    if value is None:
        return ""
    return time_element(
        value, context.get("zone") or UTC_ZONE, context.get("locale") or DEFAULT_LOCALE
    )


@jinja2.pass_context
def _datetime_in(
    context: jinja2.runtime.Context, value: dt.datetime | None, zone: str
) -> Markup | str:
    """A moment shown in a record's own zone (an incident's), which is named."""
    if value is None:
        return ""
    return time_element(value, zone, context.get("locale") or DEFAULT_LOCALE, named=True)


def span_in(delta: dt.timedelta, locale: str) -> str:
    """A length of time in the locale's words, to a minute ("3 hours", "2 days"): CLDR's,
    through Babel, so an age or a delay reads right in every language without a msgid."""
    delta = max(delta, dt.timedelta(minutes=1))
    for code in (_format_locale(locale), _format_locale(DEFAULT_LOCALE)):
        try:
            return format_timedelta(delta, granularity="minute", locale=code)
        except (UnknownLocaleError, ValueError):
            continue
    return str(delta)  # pragma: no cover - en always parses


@jinja2.pass_context
def _age(context: jinja2.runtime.Context, value: dt.datetime | None) -> str:
    """How long ago a moment was (or how long since a due date passed), in words."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return span_in(dt.datetime.now(dt.UTC) - value, context.get("locale") or DEFAULT_LOCALE)


@lru_cache(maxsize=16)
def _territories(locale: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(locale).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def territory_name(code: str, locale: str, default: str) -> str:
    """A country's name in the locale (CLDR's, through Babel); English keeps `default`, the
    everyday names Vigil's geocoding uses."""
    if locale == DEFAULT_LOCALE:
        return default
    return _territories(locale).get(code.upper(), default)


def _sort_key(name: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", name.casefold()) if not unicodedata.combining(c)
    )


@jinja2.pass_context
def _country_name(context: jinja2.runtime.Context, code: str) -> str:
    """A country code as its name in the page's language (the code itself if CLDR has none)."""
    return territory_name(code, context["locale"], _territories(DEFAULT_LOCALE).get(code, code))


@jinja2.pass_context
def _country_names(
    context: jinja2.runtime.Context, options: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """A country select's (code, name) options named and ordered in the page's language."""
    locale = context["locale"]
    named = [(code, territory_name(code, locale, name)) for code, name in options]
    return sorted(named, key=lambda option: _sort_key(option[1]))


@jinja2.pass_context
def _numbers(context: jinja2.runtime.Context, values: Mapping[str, Any]) -> dict[str, Any]:
    """A message's values with their numbers written as the page's language writes them
    ("2,5 km" in Czech, "2.5 km" in English), the rest unchanged."""
    locale = FORMAT_LOCALES.get(context["locale"], context["locale"])
    return {
        key: format_decimal(value, locale=locale)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for key, value in values.items()
    }


# Registered by install(), at app start.
TEMPLATE_FILTERS = {
    "numbers": _numbers,
    "datetime": _format_datetime,
    "datetime_in": _datetime_in,
    "age": _age,
    "country_names": _country_names,
    "country_name": _country_name,
}
