"""The viewer's language: the message catalogues, the locale a request is answered in, gettext
for templates and Python code, and moments shown in that locale.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.core import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_datetime
from babel.support import NullTranslations, Translations
from fastapi import Request
from markupsafe import Markup

from vigil.core.forms import valid_zone

LOCALES = Path(__file__).resolve().parents[1] / "locale"
DEFAULT_LOCALE = "en"
RTL_LOCALES = frozenset({"he", "ar", "fa", "ur"})


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


def locale_of(request: Request) -> str:
    """The language a link asks for, else the signed-in person's, else the best match for the
    browser's Accept-Language."""
    locale: str | None = requested_locale(request) or getattr(request.state, "locale", None)
    if locale:
        return locale
    wanted = [
        part.split(";")[0].strip().replace("-", "_")
        for part in request.headers.get("accept-language", "").split(",")
        if part.strip()
    ]
    return negotiate_locale(wanted, list(available_locales())) or DEFAULT_LOCALE


def _shown_in(value: dt.datetime, tz: dt.tzinfo, locale: str) -> str:
    try:
        return format_datetime(value, format="medium", tzinfo=tz, locale=locale)
    except (UnknownLocaleError, ValueError):
        return format_datetime(value, format="medium", tzinfo=tz, locale=DEFAULT_LOCALE)


@jinja2.pass_context
def _format_datetime(context: jinja2.runtime.Context, value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return f"{_shown_in(value, dt.UTC, context['locale'])} UTC"


@jinja2.pass_context
def _datetime_in(context: jinja2.runtime.Context, value: dt.datetime | None, zone: str) -> str:
    """A moment shown in a record's own zone (an incident's), which is named."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    tz = ZoneInfo(zone) if valid_zone(zone) else dt.UTC
    return f"{_shown_in(value, tz, context['locale'])} ({zone if valid_zone(zone) else 'UTC'})"


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


# Registered by install(), at app start.
TEMPLATE_FILTERS = {
    "datetime": _format_datetime,
    "datetime_in": _datetime_in,
    "country_names": _country_names,
    "country_name": _country_name,
}
