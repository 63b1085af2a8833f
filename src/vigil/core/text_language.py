"""Which language an article is in, by py3langid's model shipped in its wheel (nothing is
downloaded), restricted to the languages Vigil's users read so that a short Czech text is not
taken for Slovak or a Dutch one for Afrikaans."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence

from py3langid.langid import MODEL_FILE, LanguageIdentifier

LANGUAGES = ("en", "de", "fr", "cs", "pl", "nl", "he", "bg")
# Languages Vigil does not read but a European feed carries, none a close relative of one it
# reads (no Slovak, Afrikaans, Luxembourgish): the model may name them, and their text is left
# unknown instead of being read with the nearest lexicon (Hungarian taken for Czech).
RIVALS = ("hu", "fi", "et", "ro", "it", "es", "pt", "sv", "da", "no", "lt", "lv", "tr", "sq")
MIN_LETTERS = 20  # below this, the model guesses
MIN_CONFIDENCE = 0.5
# The first characters decide (the title and the first sentence): the model walks the text byte
# by byte in pure Python. 150 agree with 250 on every article of the labelled set and of the
# bench's 3,000 generated ones (bench/monitoring.py), at 60 % of the cost.
SAMPLE_CHARS = 150

# Scripts that one language among those configured is likely the only one to use: text in them
# needs no model (which would cost most for them, at two bytes a letter).
SCRIPTS = (
    (re.compile("[\u05d0-\u05ea]"), frozenset({"he", "yi"})),
    (re.compile("[\u0400-\u04ff]"), frozenset({"bg", "ru", "uk", "mk", "sr", "be", "kk"})),
)
_LETTER = re.compile(r"[^\W\d_]")
_LOADING = threading.Lock()


def _by_script(head: str, letters: int, languages: Sequence[str]) -> str:
    """The one configured language written in the head's script, when most of its `letters` are
    in a script of SCRIPTS and only one configured language uses it; else ""."""
    for script, users in SCRIPTS:
        if len(script.findall(head)) * 2 > letters:
            configured = [language for language in languages if language in users]
            return configured[0] if len(configured) == 1 else ""
    return ""


@functools.cache
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([*languages, *(r for r in RIVALS if r not in languages)])
    return identifier


def identify_language(text: str, *, languages: Sequence[str] = LANGUAGES) -> tuple[str, float]:
    """The language code and the model's confidence, or ("", confidence) when the text is too
    short or the model is unsure: a wrong language would pick the wrong lexicon and lemmas."""
    sample = text[:SAMPLE_CHARS]
    head = sample[:200]
    letters = len(_LETTER.findall(head))
    if letters < MIN_LETTERS:
        return "", 0.0
    by_script = _by_script(head, letters, languages)
    if by_script:
        return by_script, 1.0
    with _LOADING:
        identifier = _identifier(tuple(languages))
    language, confidence = identifier.classify(sample)
    confidence = float(confidence)
    if confidence < MIN_CONFIDENCE or language not in languages:
        return "", confidence
    return str(language), confidence
