"""Articles clustered into stories, incrementally and without a database: the same text
syndicated or lightly edited joins by MinHash LSH (datasketch), and an article in another
language joins the story of an earlier one about the same event when they share enough facts
(places, organisations, sites, dates and numbers) and were published within a few days.

The caller keeps the stories: `add` says which earlier article a new one joined, and a story is
the connected group of its articles.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import datetime, timedelta

from datasketch import MinHashLSH

from vigil.monitoring.near_duplicates import NUM_PERM, is_empty, lean, similarity

DEFAULT_THRESHOLD = 0.5  # estimated Jaccard similarity of shingles
CLEAR_DUPLICATE = 0.8  # a candidate this similar is taken without looking at the others
# 16 bands of 4 rows: a pair at similarity 0.6 is a candidate 89% of the time, at 0.7 99%, at
# 0.3 12%; candidates are then compared on the whole signature. datasketch would choose 25 bands
# of 5 for the threshold, for a little more recall near 0.5 at 1.6 times the memory.
LSH_BANDS = 16
LSH_ROWS = 4
FACT_WINDOW = timedelta(days=3)
# How much a shared fact says that two articles report one event: a watched site most, a city,
# an institution, a date or a number less, the police (named in every crime report) least.
FACT_WEIGHTS = {"site": 2.0, "place": 1.0, "organisation": 1.0, "date": 1.5, "number": 1.0}
WEAK_FACTS = {"organisation:police": 0.5}
MIN_SHARED_WEIGHT = 3.0  # and at least one place or site in common
# A fact keeps its last articles only: a city named every hour would otherwise make each new
# article compare with thousands; reports of one event come within days, not thousands later.
MAX_FACT_POSTINGS = 300


def fact_weight(fact: str) -> float:
    return WEAK_FACTS.get(fact, FACT_WEIGHTS.get(fact.split(":", 1)[0], 0.0))


def _band_key(band: bytes) -> bytes:
    """A band's rows folded into 8 bytes (a bucket key of 32 bytes costs twice the memory)."""
    return hashlib.blake2b(band, digest_size=8).digest()


class StoryClusterer:
    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(
            threshold=threshold,
            num_perm=NUM_PERM,
            params=(LSH_BANDS, LSH_ROWS),
            hashfunc=_band_key,
        )
        self._signatures: dict[int, bytes] = {}
        self._articles: dict[int, tuple[str, datetime | None, frozenset[str]]] = {}
        self._by_fact: dict[str, list[int]] = {}

    def add(
        self,
        key: int,
        *,
        signature: bytes,
        facts: frozenset[str],
        language: str,
        published_at: datetime | None = None,
    ) -> int | None:
        """The key of the earlier article this one joined, or None when it starts a story."""
        joined = None if is_empty(signature) else self._near_duplicate(signature)
        if joined is None:
            joined = self._same_event(facts, language, published_at)
        if key not in self._signatures and not is_empty(signature):
            self._lsh.insert(key, lean(signature))
            self._signatures[key] = signature
            self._articles[key] = (language, published_at, facts)
            for fact in facts:
                postings = self._by_fact.setdefault(fact, [])
                postings.append(key)
                if len(postings) > 2 * MAX_FACT_POSTINGS:
                    del postings[:-MAX_FACT_POSTINGS]
        return joined

    def remove(self, key: int) -> None:
        """Forget an article (the worker keeps the last days in the index: syndicated copies
        and other-language reports come within them)."""
        if self._signatures.pop(key, None) is None:
            return
        self._lsh.remove(key)
        _, _, facts = self._articles.pop(key)
        for fact in facts:
            postings = self._by_fact.get(fact)
            if postings is not None and key in postings:
                postings.remove(key)
                if not postings:
                    del self._by_fact[fact]

    def __len__(self) -> int:
        return len(self._signatures)

    def _near_duplicate(self, signature: bytes) -> int | None:
        best: tuple[float, int] | None = None
        for candidate in self._lsh.query(lean(signature)):
            found = similarity(signature, self._signatures[candidate])
            if found >= CLEAR_DUPLICATE:
                return candidate  # any copy will do: the caller's story is the connected group
            if found >= self.threshold and (best is None or found > best[0]):
                best = (found, candidate)
        return best[1] if best else None

    def _same_event(
        self, facts: frozenset[str], language: str, published_at: datetime | None
    ) -> int | None:
        if not any(fact.startswith(("place:", "site:")) for fact in facts):
            return None
        shared: dict[int, float] = {}
        for fact in facts:
            postings = self._by_fact.get(fact, [])[-MAX_FACT_POSTINGS:]
            weight = fact_weight(fact)
            for candidate in postings:
                shared[candidate] = shared.get(candidate, 0.0) + weight
        best: tuple[float, int] | None = None
        for candidate, weight in shared.items():
            if weight < MIN_SHARED_WEIGHT or (best is not None and weight <= best[0]):
                continue
            other_language, other_published, other_facts = self._articles[candidate]
            if other_language == language:
                continue  # same language: the texts were compared
            if (
                published_at
                and other_published
                and abs(published_at - other_published) > FACT_WINDOW
            ):
                continue
            if not any(fact.startswith(("place:", "site:")) for fact in facts & other_facts):
                continue
            best = (weight, candidate)
        return best[1] if best else None

    def memory_bytes(self) -> int:
        """An estimate of the index's memory: LSH buckets, kept signatures and fact postings."""
        articles = len(self._signatures)
        bands = self._lsh.b
        lsh = articles * bands * 216  # a bucket (mostly a set of one key) per band
        signatures = articles * (len(next(iter(self._signatures.values()), b"")) + 33 + 100)
        facts = sum(sys.getsizeof(keys) + 60 for keys in self._by_fact.values())
        return lsh + signatures + facts + articles * 200
