"""A MinHash signature of an article's text (datasketch), so that the same story syndicated with
other boilerplate or lightly edited is found among many without comparing texts pairwise.

Shingles are three consecutive words of the lowercased text: one edited word changes three
shingles, a paragraph of boilerplate adds its own, and the rest still match. The signature is
stored as NUM_PERM unsigned 32-bit integers (little-endian), the same in every process (CRC-32 as
the hash and fixed permutations), so signatures kept in the database stay comparable.
"""

from __future__ import annotations

import functools
import threading
import zlib

import numpy as np
from datasketch import LeanMinHash, MinHash

from vigil.core.lemmas import tokens

NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
SHINGLE_WORDS = 3
_DTYPE = np.dtype("<u4")


_local = threading.local()


def _reused() -> MinHash:
    """One MinHash per thread, cleared between texts: creating one costs as much as hashing a
    short article (datasketch checks the permutations it is given each time)."""
    found: MinHash | None = getattr(_local, "minhash", None)
    if found is None:
        found = _local.minhash = MinHash(
            num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32, scheme=SCHEME
        )
    return found


def shingles(text: str) -> list[bytes]:
    return shingles_of(tokens(text))


def shingles_of(written: list[str]) -> list[bytes]:
    """Shingles of words already tokenised (`tokens`), as the analysis has them."""
    if not written:
        return []
    # Tokens hold no space: lowercasing them joined is lowercasing each, in one call.
    words = " ".join(written).lower().split(" ")
    if len(words) < SHINGLE_WORDS:
        return [" ".join(words).encode()]
    groups = zip(*(words[at:] for at in range(SHINGLE_WORDS)), strict=False)
    return list(map(str.encode, map(" ".join, groups)))


def signature(text: str) -> bytes:
    """The text's MinHash as NUM_PERM * 4 bytes."""
    return signature_of(tokens(text))


def signature_of(words: list[str]) -> bytes:
    """`signature` of a text's words (`tokens`): the analysis tokenises once for all stages."""
    found = _reused()
    found.clear()
    parts = shingles_of(words)
    if parts:
        found.update_batch(parts)
    return found.hashvalues.astype(_DTYPE).tobytes()


def hashvalues(signature_bytes: bytes) -> np.ndarray:
    return np.frombuffer(signature_bytes, dtype=_DTYPE).astype(np.uint64)


def lean(signature_bytes: bytes) -> LeanMinHash:
    """The signature as datasketch's LeanMinHash, for its LSH index."""
    return LeanMinHash(seed=SEED, hashvalues=hashvalues(signature_bytes), scheme=SCHEME)


def is_empty(signature_bytes: bytes) -> bool:
    """The signature of a text without words (every value at its maximum): it compares equal to
    every other empty one, so it must not join a story."""
    return not signature_bytes or signature_bytes == _empty()


@functools.cache
def _empty() -> bytes:
    return np.full(NUM_PERM, 0xFFFFFFFF, dtype=_DTYPE).tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of the two texts' shingles (0..1)."""
    if len(a) != len(b) or not a:
        return 0.0
    left = np.frombuffer(a, dtype=_DTYPE)
    right = np.frombuffer(b, dtype=_DTYPE)
    return float(np.count_nonzero(left == right)) / len(left)
