"""Signed links that Vigil e-mails (alert answers, roll-call answers, invitations, password
resets): one format and one check for all of them, so every link names what it is for, carries
its own expiry under the signature, and is refused with a reason a page can explain.

A token reads `purpose.subject.expires.signature`: the purpose (`alert`, `invite`, ...), the
subject it opens (an id, or a random secret whose hash the domain stores), the expiry in Unix
seconds, and an HMAC-SHA256 over the three. Changing any part, the expiry included, breaks the
signature. The signature is checked first, so "expired" and "wrong purpose" are only ever said
of a link Vigil really made.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import hmac
import re
from dataclasses import dataclass

from vigil.core.db import utcnow
from vigil.core.errors import DomainError

SIGNATURE_BYTES = 24
_SHAPE = re.compile(
    r"(?P<purpose>[a-z][a-z-]{0,31})\.(?P<subject>[A-Za-z0-9_-]{1,128})"
    r"\.(?P<expires>[0-9]{1,11})\.(?P<signature>[A-Za-z0-9_-]{32})"
)
_PURPOSE = re.compile(r"[a-z][a-z-]{0,31}")
_SUBJECT = re.compile(r"[A-Za-z0-9_-]{1,128}")


class Refusal(enum.StrEnum):
    """Why a link does not open. The first four come from the token itself; the others are
    said by the domain that owns the link's subject."""

    # Not shaped like a link Vigil makes: cut short, or sent before links carried their expiry
    # (such old links are treated as expired: ask for a new one).
    malformed = "malformed"
    bad_signature = "bad_signature"  # changed after it was made (its expiry, say), or forged
    wrong_purpose = "wrong_purpose"  # a real link of another kind, opened at the wrong place
    expired = "expired"
    unknown = "unknown"  # signed, but what it names no longer exists
    used = "used"  # single-use, and used
    cancelled = "cancelled"  # what it answers was called off
    superseded = "superseded"  # replaced by something newer, which has its own link
    ended = "ended"  # what it answers is over


# Gone for good (410): a new link is the way on. The rest are not valid at all (404).
GONE = frozenset(
    {
        Refusal.malformed,
        Refusal.expired,
        Refusal.used,
        Refusal.cancelled,
        Refusal.superseded,
        Refusal.ended,
    }
)


class LinkRefused(DomainError):
    """A link that opens nothing; `at` is when it stopped working, where known. Pages catch it
    to say what happened and what to do; the API shows it as problem+json."""

    def __init__(self, reason: Refusal, *, at: dt.datetime | None = None) -> None:
        gone = reason in GONE
        when = f" at {at:%Y-%m-%d %H:%M} UTC" if at else ""
        super().__init__(
            f"This link no longer works ({reason.value}{when}); ask for a new one."
            if gone
            else f"This link is not valid ({reason.value})."
        )
        self.reason = reason
        self.at = at
        self.status = 410 if gone else 404
        self.title = "Link no longer valid" if gone else "Link not valid"


@dataclass(frozen=True)
class SignedLink:
    purpose: str
    subject: str
    expires: dt.datetime


def sign(*, secret: str, purpose: str, subject: str, expires: dt.datetime) -> str:
    """The token of a link for `purpose` opening `subject` until `expires` (to the second)."""
    if not _PURPOSE.fullmatch(purpose) or not _SUBJECT.fullmatch(subject):
        raise ValueError("a purpose is lowercase words; a subject is URL-safe base64 or digits")
    seconds = str(int(expires.timestamp()))
    return f"{purpose}.{subject}.{seconds}.{_signature(secret, purpose, subject, seconds)}"


def verify(*, secret: str, token: str, purpose: str, now: dt.datetime | None = None) -> SignedLink:
    """The link the token makes, checked in constant time; raises LinkRefused saying why not."""
    shape = _SHAPE.fullmatch(token)
    if shape is None:
        raise LinkRefused(Refusal.malformed)
    made_for, subject, seconds = shape["purpose"], shape["subject"], shape["expires"]
    expected = _signature(secret, made_for, subject, seconds)
    if not hmac.compare_digest(shape["signature"], expected):
        raise LinkRefused(Refusal.bad_signature)
    if made_for != purpose:
        raise LinkRefused(Refusal.wrong_purpose)
    expires = dt.datetime.fromtimestamp(int(seconds), dt.UTC)
    if (now or utcnow()) >= expires:
        raise LinkRefused(Refusal.expired, at=expires)
    return SignedLink(purpose=made_for, subject=subject, expires=expires)


def _signature(secret: str, purpose: str, subject: str, seconds: str) -> str:
    # A key of its own, so no other use of the secret key (CSRF, flash) can produce a link.
    key = hashlib.sha256(b"vigil-signed-links-v1:" + secret.encode()).digest()
    mac = hmac.new(key, f"{purpose}.{subject}.{seconds}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:SIGNATURE_BYTES]).decode()
