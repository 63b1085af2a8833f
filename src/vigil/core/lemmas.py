"""Word tokens reduced to their lemmas by simplemma, so that "synagogy", "synagoze" and
"synagogou" (Czech) or "Krakowie" (Polish) meet the dictionary form a lexicon or a gazetteer uses.

simplemma looks each word up in a per-language dictionary; a per-language cache of the words
already seen makes the usual news vocabulary cost one dict lookup a word.
"""

from __future__ import annotations

import re
import threading

import simplemma
from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

WORD = re.compile(r"\w+(?:['’]\w+)*")
CACHE_LIMIT = 200_000  # words per language; the cache is cleared beyond it
_caches: dict[str, dict[str, str]] = {}
_LOADING = threading.Lock()


def tokens(text: str) -> list[str]:
    """Word tokens as written (numbers included)."""
    return WORD.findall(text)


def lemma_of(token: str, language: str) -> str:
    """The lowercase lemma of one token (the token itself, lowercased, when unknown)."""
    cache = _caches.get(language)
    if cache is None:
        with _LOADING:
            cache = _caches.setdefault(language, {})
    found = cache.get(token)
    if found is None:
        lower = token.lower()
        if language in SUPPORTED_LANGUAGES and not lower.isdigit():
            found = simplemma.lemmatize(token, lang=language).lower()
        else:
            found = lower
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        cache[token] = found
    return found


def lemmatise_tokens(words: list[str], language: str) -> list[str]:
    return [lemma_of(word, language) for word in words]


def lemmatise(text: str, language: str) -> list[str]:
    """The lowercase lemmas of the text's word tokens, in order (Hebrew included: simplemma has
    a Hebrew dictionary; an unknown language gives the lowercased tokens)."""
    return lemmatise_tokens(tokens(text), language)
