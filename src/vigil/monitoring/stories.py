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
MIN_SHARED_FACTS = 3  # of which at least one place, site or organisation and one other fact
MAX_FACT_POSTINGS = 2000  # a fact in more articles than this is too common to link anything
ENTITY_PREFIXES = ("place:", "site:", "organisation:")


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
        if not any(fact.startswith(ENTITY_PREFIXES) for fact in facts):
            return None
        shared: dict[int, int] = {}
        for fact in facts:
            postings = self._by_fact.get(fact, ())
            if len(postings) > MAX_FACT_POSTINGS:
                continue
            for candidate in postings:
                shared[candidate] = shared.get(candidate, 0) + 1
        best: tuple[int, int] | None = None
        for candidate, count in shared.items():
            if count < MIN_SHARED_FACTS:
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
            common = facts & other_facts
            entities = sum(fact.startswith(ENTITY_PREFIXES) for fact in common)
            if entities == 0 or entities == len(common):
                continue
            if best is None or count > best[0]:
                best = (count, candidate)
        return best[1] if best else None

    def memory_bytes(self) -> int:
        """An estimate of the index's memory: LSH buckets, kept signatures and fact postings."""
        articles = len(self._signatures)
        bands = self._lsh.b
        lsh = articles * bands * (8 + 120)  # a key in a band's bucket set, and its bucket share
        signatures = articles * (len(next(iter(self._signatures.values()), b"")) + 33 + 100)
        facts = sum(sys.getsizeof(keys) + 60 for keys in self._by_fact.values())
        return lsh + signatures + facts + articles * 200
