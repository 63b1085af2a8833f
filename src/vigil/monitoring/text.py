"""STAND-IN for mon-text's module (replaced when its branch is merged): folded words and lemmas
of a text, and phrases found in them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import simplemma

from vigil.geo.folding import fold

WORD = re.compile(r"\w+(?:['’]\w+)*")


def tokens(text: str) -> list[str]:
    return WORD.findall(text)


def lemma_of(word: str, language: str) -> str:
    try:
        return str(simplemma.lemmatize(word, lang=language)).lower()
    except ValueError:
        return word.lower()


@dataclass(frozen=True)
class Prepared:
    words: list[str]
    title_words: int
    folded: list[str]
    lemmas: list[str]


def prepare(title: str, text: str, language: str) -> Prepared:
    title_words = tokens(title)
    words = title_words + tokens(text)
    folded = [fold(w).replace(" ", "") for w in words]
    lemmas = [
        fold(lemma_of(w, language)).replace(" ", "") if language else f
        for w, f in zip(words, folded, strict=True)
    ]
    return Prepared(words, len(title_words), folded, lemmas)


def phrase_forms(phrase: str, language: str = "") -> set[str]:
    words = tokens(phrase)
    if not words:
        return set()
    forms = {" ".join(fold(w).replace(" ", "") for w in words)}
    if language:
        forms.add(" ".join(fold(lemma_of(w, language)).replace(" ", "") for w in words))
    return {f for f in forms if f.strip()}


@dataclass(frozen=True, slots=True)
class Hit:
    word: int
    length: int
    value: Any


class Phrases:
    def __init__(self) -> None:
        self._values: dict[tuple[str, ...], list[Any]] = {}

    def add(self, forms: Iterable[str], value: Any) -> None:
        for form in forms:
            self._values.setdefault(tuple(form.split()), []).append(value)

    def __len__(self) -> int:
        return len(self._values)

    def build(self) -> Phrases:
        return self

    def hits(self, prepared: Prepared) -> list[Hit]:
        found: list[Hit] = []
        seen: set[tuple[int, Any]] = set()
        for seq in (prepared.folded, prepared.lemmas):
            for i in range(len(seq)):
                for phrase, values in self._values.items():
                    if tuple(seq[i : i + len(phrase)]) == phrase:
                        for value in values:
                            if (i, value) not in seen:
                                seen.add((i, value))
                                found.append(Hit(i, len(phrase), value))
        return found
