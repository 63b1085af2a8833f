"""Text in data files (methodologies, playbook templates, typology) in several languages
(DECISIONS 32): a value is either a plain string, which is English, or a mapping of language
codes to text that must hold English. A missing language falls back to English, and says so,
so a page can mark the words a reader gets in another language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator

DATA_FALLBACK = "en"


def _has_english(value: str | dict[str, str]) -> str | dict[str, str]:
    if isinstance(value, dict):
        if not str(value.get(DATA_FALLBACK, "")).strip():
            raise ValueError("a text given in several languages must have English ('en')")
        for code, text in value.items():
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"the '{code}' text is empty")
    return value


# The pydantic type of a translatable field in a data file.
Localised = Annotated[str | dict[str, str], AfterValidator(_has_english)]


@dataclass(frozen=True)
class Shown:
    """A data text picked for a reader: `lang` is the language it is actually in, and
    `fallback` is true when that is not the language the reader asked for."""

    text: str
    lang: str
    fallback: bool

    def __str__(self) -> str:
        return self.text


def pick(value: str | dict[str, str], locale: str) -> Shown:
    """The text in `locale` (or its base language, `de` for `de_AT`), else English, marked."""
    if isinstance(value, str):
        return Shown(value, DATA_FALLBACK, locale.split("_")[0] != DATA_FALLBACK)
    for code in (locale, locale.split("_")[0]):
        if value.get(code):
            return Shown(value[code], code, False)
    return Shown(value[DATA_FALLBACK], DATA_FALLBACK, locale.split("_")[0] != DATA_FALLBACK)


def text_in(value: str | dict[str, str], locale: str = DATA_FALLBACK) -> str:
    return pick(value, locale).text


def languages_of(value: Any) -> set[str]:
    """The languages a translatable value is written in."""
    if isinstance(value, dict):
        return {code for code, text in value.items() if isinstance(text, str) and text.strip()}
    return {DATA_FALLBACK} if isinstance(value, str) else set()
