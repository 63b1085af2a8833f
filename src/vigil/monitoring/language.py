"""STAND-IN for mon-text's module (replaced when its branch is merged): the language of a text
by py3langid restricted to Vigil's languages."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from py3langid.langid import MODEL_FILE, LanguageIdentifier

LANGUAGES = ("en", "de", "fr", "cs", "pl", "nl", "he", "bg")


@functools.cache
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def identify_language(text: str, *, languages: Sequence[str] = LANGUAGES) -> tuple[str, float]:
    if sum(c.isalpha() for c in text[:200]) < 20:
        return "", 0.0
    language, confidence = _identifier(tuple(languages)).classify(text[:2000])
    return (str(language), float(confidence)) if confidence >= 0.5 else ("", float(confidence))
