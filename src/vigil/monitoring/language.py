"""Which language an article is in, by py3langid's model shipped in its wheel (nothing is
downloaded), restricted to the languages Vigil's users read so that a short Czech text is not
taken for Slovak or a Dutch one for Afrikaans."""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence

from py3langid.langid import MODEL_FILE, LanguageIdentifier

LANGUAGES = ("en", "de", "fr", "cs", "pl", "nl", "he", "bg")
MIN_LETTERS = 20  # below this, the model guesses
MIN_CONFIDENCE = 0.5
SAMPLE_CHARS = 2000  # the first characters decide; a long article costs no more

_LOADING = threading.Lock()


@functools.cache
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def identify_language(text: str, *, languages: Sequence[str] = LANGUAGES) -> tuple[str, float]:
    """The language code and the model's confidence, or ("", confidence) when the text is too
    short or the model is unsure: a wrong language would pick the wrong lexicon and lemmas."""
    sample = text[:SAMPLE_CHARS]
    if sum(character.isalpha() for character in sample[:200]) < MIN_LETTERS:
        return "", 0.0
    with _LOADING:
        identifier = _identifier(tuple(languages))
    language, confidence = identifier.classify(sample)
    confidence = float(confidence)
    if confidence < MIN_CONFIDENCE:
        return "", confidence
    return str(language), confidence
