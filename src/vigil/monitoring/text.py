"""An article's words prepared once for every matcher: folded as written ("Krakowie" ->
"krakowie") and folded lemmas ("Krakowie" -> "krakow"), each joined into one string that an
Aho-Corasick automaton scans in C, so that inflected forms, accents and case never hide a name
or a term.

Phrases (names, lexicon terms) are folded the same way and looked for in both strings; Hebrew
phrases also get the one-letter prefixes written onto the word (ב, ה, ו, ל, מ, ש, כ).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import ahocorasick

from vigil.geo.folding import fold, fold_many
from vigil.monitoring.lemmas import lemma_of, tokens

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
    folded: str  # " w1 w2 ... " folded as written
    lemmas: str  # " l1 l2 ... " folded lemmas
    folded_starts: list[int]  # where each word starts in `folded`
    lemma_starts: list[int]


def _forms(words: list[str], language: str) -> list[tuple[str, str]]:
    cache = _caches.setdefault(language, {})
    missing = [word for word in dict.fromkeys(words) if word not in cache]
    if missing:
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        folded = fold_many(missing)
        lemmas = fold_many([lemma_of(word, language) for word in missing])
        for word, plain, lemma in zip(missing, folded, lemmas, strict=True):
            cache[word] = (plain.replace(" ", "") or "_", lemma.replace(" ", "") or "_")
    return [cache[word] for word in words]


def _joined(parts: list[str]) -> tuple[str, list[int]]:
    starts = list(accumulate([len(part) + 1 for part in parts], initial=1))
    starts.pop()
    return " " + " ".join(parts) + " ", starts


def prepare(title: str, text: str, language: str) -> Prepared:
    title_words = tokens(title)
    words = title_words + tokens(text)
    forms = _forms(words, language)
    folded, folded_starts = _joined([plain for plain, _ in forms])
    lemmas, lemma_starts = _joined([lemma for _, lemma in forms])
    return Prepared(words, len(title_words), folded, lemmas, folded_starts, lemma_starts)


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


@dataclass(frozen=True, slots=True)
class Hit:
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
            automaton.add_word(f" {form} ", (form.count(" ") + 1, len(form) + 2, tuple(values)))
        if len(automaton):
            automaton.make_automaton()
        self._automaton = automaton
        return self

    def hits(self, prepared: Prepared) -> list[Hit]:
        """Each phrase found in the folded words or in their lemmas, once per place."""
        if not len(self._automaton):
            return []
        seen: set[tuple[int, Any]] = set()
        found: list[Hit] = []
        scan, bisect_left = self._automaton.iter, bisect.bisect_left
        for joined, starts in (
            (prepared.folded, prepared.folded_starts),
            (prepared.lemmas, prepared.lemma_starts),
        ):
            # Inlined (no generator, local names): this loop is a third of the scoring's cost.
            for end, (length, chars, values) in scan(joined):
                # The phrase's first word: where its first character is among the words' starts.
                word = bisect_left(starts, end - chars + 2)
                for value in values:
                    if (word, value) not in seen:
                        seen.add((word, value))
                        found.append(Hit(word, length, value))
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
