"""An audit entry's detail, and its retention (docs/privacy.md).

Since migration 0030 an entry is signed and chained over the SHA-256 of its detail, not the
detail itself: the detail can then be redacted once its retention period ends, and the chain
still verifies, because the hash stays. Redacting writes `REDACTED` in place of the detail, the
one change the table's trigger lets through; verification accepts a detail that is either the
one hashed or `REDACTED`. Someone able to drop the trigger could redact a detail early (as
retention would), but never change what one says.
"""

from __future__ import annotations

import hashlib

REDACTED = '{"redacted":true}'


def detail_digest(detail: str) -> str:
    return hashlib.sha256(detail.encode()).hexdigest()


def detail_problem(detail: str, digest: str | None) -> str | None:
    """Why the stored detail is not the one its entry was signed with, or None."""
    if digest is None or detail == REDACTED or detail_digest(detail) == digest:
        return None
    return "detail edited (it does not match the hash it was signed with)"
