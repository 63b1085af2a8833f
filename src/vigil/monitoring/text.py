"""An article's words prepared once for every matcher: folded as written ("Krakowie" ->
"krakowie") and folded lemmas ("Krakowie" -> "krakow"), each joined into one string that an
Aho-Corasick automaton scans in C, so that inflected forms, accents and case never hide a name
or a term.

Phrases (names, lexicon terms) are folded the same way and looked for in both strings; Hebrew
phrases also get the one-letter prefixes written onto the word (ב, ה, ו, ל, מ, ש, כ).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import filterfalse
from operator import itemgetter
from typing import Any, NamedTuple

import ahocorasick

from vigil.core.lemmas import lemma_of, tokens
from vigil.geo.folding import fold, fold_many

# fmt: off
HEBREW_PREFIXES = (
    "ב", "ה", "ו", "ל", "מ", "ש", "כ", "וב", "וה", "ול", "ומ", "שב", "שה", "מה", "לה", "כש",
)
# fmt: on
CACHE_LIMIT = 300_000
_caches: dict[str, dict[str, tuple[str, str]]] = {}


@dataclass(frozen=True, slots=True)
class Prepared:
    words: list[str]  # as written; the title's first
    title_words: int  # how many of `words` are the title's
    folded: str  # " w1 w2 ... " folded as written, one space between words (none inside)
    lemmas: str  # " l1 l2 ... " folded lemmas


def _forms(words: list[str], language: str) -> list[tuple[str, str]]:
    cache = _caches.setdefault(language, {})
    # map/filterfalse over C methods, not comprehensions: this runs for every article's words.
    missing = list(filterfalse(cache.__contains__, dict.fromkeys(words)))
    if missing:
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        folded = fold_many(missing)
        lemmas = fold_many([lemma_of(word, language) for word in missing])
        for word, plain, lemma in zip(missing, folded, lemmas, strict=True):
            cache[word] = (plain.replace(" ", "") or "_", lemma.replace(" ", "") or "_")
    return list(map(cache.__getitem__, words))


def prepare(title: str, text: str, language: str) -> Prepared:
    title_words = tokens(title)
    words = title_words + tokens(text)
    forms = _forms(words, language)
    folded = " " + " ".join(map(itemgetter(0), forms)) + " "
    lemmas = " " + " ".join(map(itemgetter(1), forms)) + " "
    return Prepared(words, len(title_words), folded, lemmas)


def phrase_forms(phrase: str, language: str = "") -> set[str]:
    """The folded forms of a phrase to look for: as written, and as lemmas when the language is
    known; Hebrew ones with each prefix."""
    words = tokens(phrase)
    if not words:
        return set()
    forms = {" ".join(fold(word).replace(" ", "") for word in words)}
    if language:
        forms.add(" ".join(fold(lemma_of(word, language)).replace(" ", "") for word in words))
    if any("\u05d0" <= character <= "\u05ea" for character in phrase):
        forms |= {prefix + form for form in list(forms) for prefix in HEBREW_PREFIXES}
    return {form for form in forms if form.strip()}


class Hit(NamedTuple):
    """A tuple, not a frozen dataclass: an article has a hundred hits, and a frozen dataclass
    is several times slower to make."""

    word: int  # index of its first word in Prepared.words
    length: int  # words
    value: Any


class Phrases:
    """Folded phrases, each with a value, found in prepared text by one Aho-Corasick automaton.

    A phrase added twice keeps every value."""

    def __init__(self) -> None:
        self._values: dict[str, list[Any]] = {}

    def add(self, forms: Iterable[str], value: Any) -> None:
        for form in forms:
            self._values.setdefault(form, []).append(value)

    def __len__(self) -> int:
        return len(self._values)

    def build(self) -> Phrases:
        automaton = ahocorasick.Automaton()
        for form, values in self._values.items():
            # Equal values once, so that the hits' identity check is an equality check.
            kept = tuple(dict.fromkeys(values))
            automaton.add_word(f" {form} ", (form.count(" ") + 1, len(form) + 2, kept))
        if len(automaton):
            automaton.make_automaton()
        self._automaton = automaton
        return self

    def hits(self, prepared: Prepared) -> list[Hit]:
        """Each phrase found in the folded words or in their lemmas, once per place."""
        if not len(self._automaton):
            return []
        # A place and a value once: by the value's identity (each phrase's values are made once,
        # see `build`), which hashes in C where a dataclass's equality would run Python.
        seen: set[tuple[int, int]] = set()
        found: list[Hit] = []
        scan, make = self._automaton.iter, tuple.__new__
        for joined in (prepared.folded, prepared.lemmas):
            count = joined.count
            # Inlined (no generator, local names): this loop is a third of the scoring's cost.
            for end, (length, chars, values) in scan(joined):
                # The phrase's first word: the spaces before its first character, less the
                # leading one (words hold no space), counted in C; cheaper than keeping every
                # word's offset for the few dozen hits an article has.
                word = count(" ", 0, end - chars + 2) - 1
                for value in values:
                    key = (word, id(value))
                    if key not in seen:
                        seen.add(key)
                        found.append(make(Hit, (word, length, value)))
        return found


def longest(hits: list[Hit]) -> list[Hit]:
    """Hits not inside a longer hit ("Frankfurt am Main" hides "Frankfurt"), in text order."""
    kept: list[Hit] = []
    covered_to = -1
    for hit in sorted(hits, key=lambda hit: (hit.word, -hit.length)):
        end = hit.word + hit.length
        if hit.word >= covered_to or any(
            other.word == hit.word and other.length == hit.length for other in kept[-3:]
        ):
            kept.append(hit)
            covered_to = max(covered_to, end)
    return kept
