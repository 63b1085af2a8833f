"""Receipt codes of anonymous reports: short enough to write down, read aloud or type on a
phone, e.g. `7KQ2-M9XD-4TPA`.

Twelve symbols of Crockford's base32 alphabet (no I, L, O or U, which people misread) carry
60 random bits; typed codes are forgiven case, spaces, dashes and the look-alikes O, I and L.
Receipts handed out before this format (24 URL-safe characters) are still looked up as typed.
"""

from __future__ import annotations

import re
import secrets

from vigil.core.errors import Invalid

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_SYMBOLS = 12
GROUP_SYMBOLS = 4
# What people type for a symbol the alphabet leaves out: the one it looks like.
LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# The key a form or a client sends with a report so that sending it again is harmless.
SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,128}")
SEPARATORS = str.maketrans("", "", " -_.\u2010\u2011\u2012\u2013\u2014\u2212\t\n\r\u00a0")


def new_receipt() -> str:
    """A new receipt code, grouped as it is shown and handed out."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_SYMBOLS))
    return grouped(symbols)


def grouped(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP_SYMBOLS] for i in range(0, len(symbols), GROUP_SYMBOLS))


def normalised(typed: str) -> str | None:
    """The grouped code someone meant to type, or None when it is not a code of this format."""
    symbols = typed.upper().translate(SEPARATORS).translate(LOOK_ALIKES)
    if len(symbols) != RECEIPT_SYMBOLS or any(c not in ALPHABET for c in symbols):
        return None
    return grouped(symbols)


def lookup_forms(typed: str) -> list[str]:
    """The stored forms a typed receipt may have: the normalised short code, and (for receipts
    from before the short format, which are case-sensitive) the text without white space."""
    forms = []
    short = normalised(typed)
    if short is not None:
        forms.append(short)
    legacy = "".join(typed.split())
    if legacy and legacy not in forms:
        forms.append(legacy)
    return forms


def submission_key_of(field: str, header: str) -> str:
    """The submission key of a report, from the form's field or the Idempotency-Key header."""
    if field and header and field != header:
        raise Invalid(
            "submission_key", "the form and the Idempotency-Key header name different keys"
        )
    key = header or field
    if key and not SUBMISSION_KEY.fullmatch(key):
        raise Invalid(
            "submission_key", "must be 16 to 128 letters, digits, '-' or '_' (or left out)"
        )
    return key
