"""Vigil speaks the shipped languages: a page asked for in a browser's language comes in it
(Hebrew right to left), plural forms follow each language's rules, and every shipped catalogue
is complete (tools/check_translations.py, which the build runs too)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from tests.html import html
from vigil.core.localisation import LOCALES, available_locales, translations

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("bg", "cs", "de", "fr", "he", "nl", "pl")


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> Iterator[None]:
    """The catalogues as `make install` compiles them, for a run of this file alone."""
    for language in SHIPPED:
        folder = LOCALES / language / "LC_MESSAGES"
        source, target = folder / "messages.po", folder / "messages.mo"
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            with source.open("rb") as handle:
                catalogue = read_po(handle, locale=language)
            with target.open("wb") as handle:
                write_mo(handle, catalogue)
    translations.cache_clear()
    available_locales.cache_clear()
    yield


def test_every_shipped_catalogue_is_complete() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import check_translations
    finally:
        sys.path.pop(0)
    assert set(SHIPPED) <= set(check_translations.shipped())
    found = [p for language in SHIPPED for p in check_translations.problems(language)]
    assert found == [], "\n".join(found[:20])


@pytest.mark.parametrize("language", SHIPPED)
def test_a_page_comes_in_the_browsers_language(client: TestClient, language: str) -> None:
    sign_in = translations(language).gettext("Sign in")
    assert sign_in != "Sign in"
    page = html(client.get("/login", headers={"Accept-Language": f"{language},en;q=0.5"}))
    root = page.find("html")
    assert root.attrs.get("lang", "").startswith(language)
    assert root.attrs.get("dir") == ("rtl" if language == "he" else "ltr")
    assert sign_in in page.text


def test_plural_forms_follow_each_languages_rules() -> None:
    singular, plural = "%(num)s incident", "%(num)s incidents"
    english = {n: translations("en").ngettext(singular, plural, n) % {"num": n} for n in (1, 2)}
    assert english == {1: "1 incident", 2: "2 incidents"}
    # Czech and Polish have a form for 2-4 and another for 5 and more.
    for language in ("cs", "pl"):
        forms = {n: translations(language).ngettext(singular, plural, n) for n in (1, 3, 5)}
        assert len(set(forms.values())) == 3, (language, forms)
    # Polish 22 takes the 2-4 form, 12 the other (CLDR).
    polish = translations("pl")
    assert polish.ngettext(singular, plural, 22) == polish.ngettext(singular, plural, 3)
    assert polish.ngettext(singular, plural, 12) == polish.ngettext(singular, plural, 5)


def test_a_tab_pasted_into_a_translation_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Czech plural forms once shipped as "P\\t1 článek": the check refuses control characters
    the English does not have."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import check_translations
    finally:
        sys.path.pop(0)
    (tmp_path / "cs" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "messages.pot").write_text('msgid "Saved."\nmsgstr ""\n', encoding="utf-8")
    catalogue = tmp_path / "cs" / "LC_MESSAGES" / "messages.po"
    catalogue.write_text('msgid "Saved."\nmsgstr "P\\tUloženo."\n', encoding="utf-8")
    monkeypatch.setattr(check_translations, "LOCALE_DIR", tmp_path)
    assert [p for p in check_translations.problems("cs") if "control character" in p]
    catalogue.write_text('msgid "Saved."\nmsgstr "Uloženo."\n', encoding="utf-8")
    assert check_translations.problems("cs") == []
