"""What duplicate scoring reads in a report's words, so that two accounts in different languages
can still be compared: the names it gives (streets, sites, organisations, places), the numbers
it gives (house numbers, counts, written as digits or words) and, for two accounts in the same
language only, its wording.

Names are the capitalised words a language's dictionary does not know as common words (simplemma:
"Rykestraße", "POLIN", "Seitenstettengasse"), the words its dictionary knows as proper nouns
(Polish "Twardej" is "Twarda", Czech "Červené" is "Červená"), and the words next to a street
word ("rue de la Victoire", "Große Hamburger Straße"). Two names are the same when their folded
forms or lemmas are, or when one is the other inflected (a long common beginning: "Maiselově" and
"Maiselova"). Times of day ("13:20", "8 pm") are not numbers of the event.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz.utils import default_process

from vigil.core.lemmas import is_known, lemmatize, tokens
from vigil.core.text_language import identify_language
from vigil.geo.folding import fold

# Little words every account shares ("the bag was left at the door"), in a few European
# languages; they make unrelated accounts look alike and say nothing about the event.
_LITTLE_WORDS = """
    a an and are as at be been by for from had has have he her his i in is it its of on or our
    she that the their them there they this to was we were who with near after before about
    der die das den dem des ein eine einer und ist war am im in zu von mit auf bei
    le la les un une des et est a au aux du de en sur dans par pour
    de het een en van op in aan bij
    a az es egy
    v ve na se je z ze do k o s u w sie
    """
STOPWORDS = frozenset(_LITTLE_WORDS.split())
# Words that say "street" or "square": the word next to one is a name, the word itself is not.
_BEFORE = "rue avenue av boulevard bd place quai chaussee impasse allee ulica ulicy ulici ul ulice"
_BEFORE += " plac placu placem namesti trida straat"
_AFTER = "strasse str gasse platz allee weg ufer damm street st square road avenue straat laan"
_AFTER += " plein gracht kade lei ulica ulicy ulici ulice"
STREET_BEFORE = frozenset([*_BEFORE.split(), "ulicí", "náměstí", "třída", "chaussée", "allée"])
STREET_AFTER = frozenset([*_AFTER.split(), "straße", "ulicí"])
ARTICLES = frozenset(("de", "la", "le", "les", "des", "du", "l", "d", "der", "den", "het"))
# A name's inflected forms share this many letters at least, all but INFLECTION_TAIL of the
# shorter one ("tward-a" / "tward-ej", "maiselov-a" / "maiselov-e").
NAME_STEM = 5
INFLECTION_TAIL = 2
MIN_NAME = 3
TEXT_CHARS = 2000

_TIME_OF_DAY = re.compile(
    r"\b\d{1,2}(?:[:.h]\d{2}|\s?(?:am|pm|uhr|uur|h)\b)|\b\d{1,2}h\b", re.IGNORECASE
)
# The end of a sentence, but not of an abbreviation ("Mr. Visserplein", "ul. Twarda").
_SENTENCE = re.compile(r"(?<!\b\w)(?<!\b\w\w)[.!?]+\s+|[\n;]+\s*")
# Counts written as words, in the languages of Vigil's users (some inflected forms too).
_NUMBER_WORDS = {
    2: "two zwei deux twee dwa dwie dwoch dwaj dva dve dvou",
    3: "three drei trois drie trzy trzech tri",
    4: "four vier quatre cztery czterech ctyri",
    5: "five funf cinq vijf piec pieciu pet",
    6: "six sechs zes szesc sest",
    7: "seven sieben sept zeven siedem sedm",
    8: "eight acht huit osiem osm",
    9: "nine neun neuf negen dziewiec devet",
    10: "ten zehn dix tien dziesiec deset",
    11: "eleven elf onze jedenascie jedenact",
    12: "twelve zwolf douze twaalf dwanascie dvanact",
    15: "fifteen funfzehn quinze vijftien pietnascie patnact",
    20: "twenty zwanzig vingt twintig dwadziescia dvacet",
}
NUMBER_WORDS = {word: str(n) for n, words in _NUMBER_WORDS.items() for word in words.split()}


@dataclass(frozen=True)
class Wording:
    """Character-trigram frequencies of a text's words, folded (case, accents, punctuation)."""

    trigrams: Counter[tuple[str, str, str]]
    norm: float

    @classmethod
    def of(cls, text: str) -> Wording:
        words = [w for w in default_process(fold(text)).split() if w not in STOPWORDS]
        # Each word padded with a space on both sides: " ab", "abc", "bc " and so on. Words are
        # joined by two spaces, and the trigrams that straddle two words (a space in the middle)
        # are dropped, so the order of the words does not count.
        padded = " " + "  ".join(words) + " "
        trigrams = Counter(zip(padded, padded[1:], padded[2:], strict=False))
        for straddling in [t for t in trigrams if t[1] == " "]:
            del trigrams[straddling]
        return cls(trigrams, math.sqrt(sum(n * n for n in trigrams.values())))

    def similarity(self, other: Wording) -> float:
        """Cosine of the two frequency vectors: 1 for the same words, 0 for no shared trigram."""
        if not self.norm or not other.norm:
            return 0.0
        small, large = sorted((self.trigrams, other.trigrams), key=len)
        dot = sum(n * large[g] for g, n in small.items() if g in large)
        return min(1.0, dot / (self.norm * other.norm))


@dataclass(frozen=True)
class Name:
    """A name as written (for the reasons) and the keys it is compared by."""

    shown: str
    folded: str
    lemma: str


@dataclass(frozen=True)
class TextFeatures:
    language: str
    names: tuple[Name, ...]
    numbers: frozenset[str]
    text: str

    @functools.cached_property
    def wording(self) -> Wording:
        return Wording.of(self.text)

    @functools.cached_property
    def _keys(self) -> frozenset[str]:
        return frozenset(k for n in self.names for k in (n.folded, n.lemma))

    def shares(self, name: Name) -> bool:
        """Whether this text gives `name` too, perhaps inflected or in another language."""
        keys = self._keys
        if name.folded in keys or name.lemma in keys:
            return True
        if name.folded[:NAME_STEM] not in self._stems:
            return False
        return any(same_name(mine, name) for mine in self.names)

    @functools.cached_property
    def _stems(self) -> frozenset[str]:
        return frozenset(n.folded[:NAME_STEM] for n in self.names)


@functools.lru_cache(maxsize=50_000)
def _is_known(word: str, language: str) -> bool:
    return bool(language) and is_known(word, language)


@functools.lru_cache(maxsize=50_000)
def _lemma(word: str, language: str) -> str:
    """The lemma as the dictionary writes it: capitalised for a proper noun."""
    return lemmatize(word, language) if language else word


def _is_name(word: str, language: str) -> bool:
    """A capitalised word that is no common word of the language (or one it knows as a name)."""
    if not word[:1].isupper() or len(word) < MIN_NAME or word.lower() in STOPWORDS:
        return False
    if not _is_known(word, language) and not _is_known(word.lower(), language):
        return True
    # German capitalises every noun: only words it does not know are names there.
    return language not in ("de", "") and _lemma(word, language)[:1].isupper()


def _by_street(lowered: list[str], i: int) -> bool:
    """A word after a street word ("rue de la Victoire", "ulicy Twardej") or before one
    ("Große Hamburger Straße", "Izraelské ulici")."""
    j = i - 1
    while j >= 0 and i - j <= 2 and lowered[j] in ARTICLES:
        j -= 1
    before = j >= 0 and lowered[j] in STREET_BEFORE
    return before or (i + 1 < len(lowered) and lowered[i + 1] in STREET_AFTER)


def names_in(words: list[str], starts: set[int], language: str) -> tuple[Name, ...]:
    """The names among `words`; a sentence's first word (index in `starts`) only by a street
    word, as any capitalised word is there."""
    found: dict[str, Name] = {}
    lowered = [w.lower() for w in words]
    for i, word in enumerate(words):
        if len(word) < MIN_NAME or not word[:1].isupper() or word[1:2].isdigit():
            continue
        low = lowered[i]
        if low in STREET_AFTER or low in STREET_BEFORE or low in ARTICLES:
            continue
        if _by_street(lowered, i) or (i not in starts and _is_name(word, language)):
            key = fold(word)
            if key not in found and key not in STREET_AFTER:
                found[key] = Name(word, key, fold(_lemma(word, language)))
    return tuple(found.values())


def numbers_in(words: list[str]) -> frozenset[str]:
    found = set()
    for word in words:
        key = fold(word)
        if key.isdigit():
            found.add(str(int(key)))
        elif key in NUMBER_WORDS:
            found.add(NUMBER_WORDS[key])
    return frozenset(found)


def features_of(text: str) -> TextFeatures:
    """The names, numbers and language of a report's title, narrative and address (one line
    each: each line's first word starts a sentence)."""
    text = text[:TEXT_CHARS]
    language, _ = identify_language(text)
    words: list[str] = []
    starts: set[int] = set()
    plain = _TIME_OF_DAY.sub(" ", text.replace("'", " ").replace("’", " "))
    for sentence in _SENTENCE.split(plain):
        starts.add(len(words))
        words += tokens(sentence)
    return TextFeatures(language, names_in(words, starts, language), numbers_in(words), text)


def same_name(a: Name, b: Name) -> bool:
    if a.folded == b.folded or a.lemma == b.lemma or a.lemma == b.folded or a.folded == b.lemma:
        return True
    short, long = sorted((a.folded, b.folded), key=len)
    stem = max(NAME_STEM, len(short) - INFLECTION_TAIL)
    return len(short) >= NAME_STEM + 1 and long.startswith(short[:stem])
