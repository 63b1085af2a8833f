"""STAND-IN for mon-text's module (replaced when its branch is merged): lowercase lemmas."""

from __future__ import annotations

from vigil.monitoring.text import lemma_of, tokens


def lemmatise(text: str, language: str) -> list[str]:
    return [lemma_of(word, language) if language else word.lower() for word in tokens(text)]
