"""Articles clustered into stories, incrementally and without a database: the same text
syndicated or lightly edited joins by MinHash LSH (datasketch), and an article in another
language joins the story of an earlier one about the same event when they share enough facts
(places, organisations, sites, dates and numbers) and were published within a few days.

The caller keeps the stories: `add` says which earlier article a new one joined, and a story is
the connected group of its articles.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from datasketch import MinHashLSH

from vigil.monitoring.near_duplicates import NUM_PERM, lean, similarity

DEFAULT_THRESHOLD = 0.5  # estimated Jaccard similarity of shingles
FACT_WINDOW = timedelta(days=3)
# How much a shared fact says that two articles report one event: a watched site most, a city,
# an institution, a date or a number less, the police (named in every crime report) least.
FACT_WEIGHTS = {"site": 2.0, "place": 1.0, "organisation": 1.0, "date": 1.5, "number": 1.0}
WEAK_FACTS = {"organisation:police": 0.5}
MIN_SHARED_WEIGHT = 3.0  # and at least one place or site in common
MAX_FACT_POSTINGS = 2000  # a fact in more articles than this is too common to link anything


def fact_weight(fact: str) -> float:
    return WEAK_FACTS.get(fact, FACT_WEIGHTS.get(fact.split(":", 1)[0], 0.0))


class StoryClusterer:
    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
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
        joined = self._near_duplicate(signature)
        if joined is None:
            joined = self._same_event(facts, language, published_at)
        if key not in self._signatures:
            self._lsh.insert(key, lean(signature))
            self._signatures[key] = signature
            self._articles[key] = (language, published_at, facts)
            for fact in facts:
                self._by_fact.setdefault(fact, []).append(key)
        return joined

    def _near_duplicate(self, signature: bytes) -> int | None:
        best: tuple[float, int] | None = None
        for candidate in self._lsh.query(lean(signature)):
            found = similarity(signature, self._signatures[candidate])
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
            postings = self._by_fact.get(fact, ())
            if len(postings) > MAX_FACT_POSTINGS:
                continue
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
        lsh = articles * bands * (8 + 120)  # a key in a band's bucket set, and its bucket share
        signatures = articles * (len(next(iter(self._signatures.values()), b"")) + 33 + 100)
        facts = sum(sys.getsizeof(keys) + 60 for keys in self._by_fact.values())
        return lsh + signatures + facts + articles * 200
