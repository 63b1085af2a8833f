"""Word tokens reduced to their lemmas by simplemma, so that "synagogy", "synagoze" and
"synagogou" (Czech) or "Krakowie" (Polish) meet the dictionary form a lexicon or a gazetteer uses.

simplemma ships its dictionaries compressed: unpacking one takes seconds (Polish 6-10 s), which
every new process (a restarted server, a worker) would make its first report or article wait.
They are read instead from MARISA tries built once (`vigil text build-dictionaries`, run by
`make install`; else on first use), which load in a hundredth of a second. A per-language
cache of the words already seen makes the usual vocabulary cost one dict lookup a word.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from importlib import resources
from pathlib import Path

import simplemma
from marisa_trie import BytesTrie
from simplemma import Lemmatizer
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES
from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory
from simplemma.utils import normalize_token

from vigil.core.text_language import LANGUAGES

WORD = re.compile(r"\w+(?:['’]\w+)*")
CACHE_LIMIT = 200_000  # words per language; the cache is cleared beyond it
_caches: dict[str, dict[str, str]] = {}
_LOADING = threading.Lock()


class _Tries(TrieDictionaryFactory):
    """simplemma's trie factory, writing each trie under a temporary name first: two processes
    building the same language at once must not read each other's half-written file."""

    def _write_trie_to_disk(self, lang: str, trie: BytesTrie) -> None:
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        partial = self._cache_dir / f"{lang}.dic.{os.getpid()}.partial"
        trie.save(str(partial))
        os.replace(partial, self._cache_dir / f"{lang}.dic")


def dictionaries_dir() -> Path:
    """Beside this module (git-ignored) when writable, else the user's cache directory (an
    installed wheel); named by simplemma's version, whose dictionaries they are."""
    name = f"lemmas-{simplemma.__version__}"
    beside = Path(str(resources.files("vigil.core")))
    if os.access(beside, os.W_OK):
        return beside / name
    return Path.home() / ".cache" / "vigil" / name


@functools.cache
def _factory() -> _Tries:
    return _Tries(cache_max_size=len(LANGUAGES) + 4, disk_cache_dir=str(dictionaries_dir()))


@functools.cache
def _lemmatizer() -> Lemmatizer:
    return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=_factory()))


@functools.cache
def _lookup() -> DictionaryLookupStrategy:
    return DictionaryLookupStrategy(_factory())


def build_dictionaries(languages: tuple[str, ...] = LANGUAGES) -> Path:
    """Build the tries of the languages Vigil reads (a no-op for those already built)."""
    for language in languages:
        _factory().get_dictionary(language)
    return dictionaries_dir()


def lemmatize(word: str, language: str) -> str:
    """simplemma's lemma as the dictionary writes it (capitalised for a proper noun); the word
    itself for a language simplemma has no dictionary of."""
    if language not in SUPPORTED_LANGUAGES:
        return word
    return _lemmatizer().lemmatize(word, language)


def is_known(word: str, language: str) -> bool:
    """Whether the language's dictionary has the word as written (case counts)."""
    if language not in SUPPORTED_LANGUAGES:
        return False
    return _lookup().get_lemma(normalize_token(word), language) is not None


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
        found = lower if lower.isdigit() else lemmatize(token, language).lower()
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
