"""STAND-IN for mon-text's module (replaced when its branch is merged): near-duplicate articles
clustered by MinHash LSH."""

from __future__ import annotations

import datetime as dt

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 128


def lean(signature: bytes) -> LeanMinHash:
    values = np.frombuffer(signature, dtype="<u4")
    return LeanMinHash(seed=1, hashvalues=values, scheme="affine32")


class StoryClusterer:
    def __init__(self, threshold: float = 0.6) -> None:
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._seen: set[int] = set()

    def add(
        self,
        key: int,
        *,
        signature: bytes,
        facts: frozenset[str],
        language: str,
        published_at: dt.datetime | None = None,
    ) -> int | None:
        minhash = lean(signature)
        found = sorted(int(k) for k in self._lsh.query(minhash))
        if key not in self._seen:
            self._lsh.insert(key, minhash)
            self._seen.add(key)
        others = [k for k in found if k != key]
        return others[0] if others else None


def signature_of(text: str) -> bytes:
    words = text.lower().split()
    minhash = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
    for i in range(max(1, len(words) - 2)):
        minhash.update(" ".join(words[i : i + 3]).encode())
    return np.asarray(minhash.hashvalues, dtype="<u4").tobytes()
