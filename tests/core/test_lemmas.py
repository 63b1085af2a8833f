"""The lemma dictionaries read from tries give what simplemma's own (compressed) dictionaries
give, and `vigil text build-dictionaries` leaves one trie per language Vigil reads."""

from __future__ import annotations

import os
import subprocess
import sys

import simplemma

from vigil.core import lemmas
from vigil.core.text_language import LANGUAGES

# Compared with simplemma's own in the two languages whose compressed dictionaries unpack fast
# (Polish takes seconds: its forms are checked against the dictionary's known lemmas instead).
WORDS = {
    "cs": ["synagoze", "Praze", "Maiselově", "Červené", "ulici", "Synagoga"],
    "en": ["synagogues", "windows", "Manchester", "were", "Police"],
}


def test_lemmas_and_known_words_match_simplemmas_own_dictionaries() -> None:
    for language, words in WORDS.items():
        for word in words:
            assert lemmas.lemmatize(word, language) == simplemma.lemmatize(word, lang=language)
            assert lemmas.is_known(word, language) == simplemma.is_known(word, lang=language)
    assert lemmas.lemmatize("Krakowie", "pl") == "Kraków"
    assert lemmas.lemmatize("synagogach", "pl") == "synagoga"
    assert lemmas.lemmatize("Rykestraße", "de") == "Rykestraße" and lemmas.is_known("Männer", "de")
    assert lemmas.lemma_of("Krakowie", "pl") == "kraków"
    assert lemmas.lemmatize("Krakowie", "xx") == "Krakowie"  # no dictionary: the word itself
    assert not lemmas.is_known("Krakowie", "xx")


def test_build_dictionaries_leaves_a_trie_per_language_read_by_a_new_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vigil", "text", "build-dictionaries"],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    folder = lemmas.dictionaries_dir()
    assert done.stdout.strip() == f"{len(LANGUAGES)} dictionaries ready in {folder}"
    built = {p.name for p in folder.glob("*.dic")}  # and those other processes used
    assert {f"{code}.dic" for code in LANGUAGES} <= built
    assert not list(folder.glob("*.partial"))
    new_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "from vigil.core.lemmas import lemmatize; print(lemmatize('Praze', 'cs'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert new_process.stdout.strip() == "Praha"
