"""Signed acknowledgement links in alert e-mails: the delivery id and an HMAC over it and the
delivery's idempotency key, so a link works for its one recipient only and cannot be guessed."""

from __future__ import annotations

import hashlib
import hmac


def ack_token(secret: str, delivery_id: int, key: str) -> str:
    return f"{delivery_id}.{_mac(secret, delivery_id, key)}"


def token_delivery_id(token: str) -> int | None:
    head, _, _ = token.partition(".")
    return int(head) if head.isdigit() and len(head) < 19 else None


def token_matches(secret: str, token: str, delivery_id: int, key: str) -> bool:
    _, _, mac = token.partition(".")
    return hmac.compare_digest(mac, _mac(secret, delivery_id, key))


def _mac(secret: str, delivery_id: int, key: str) -> str:
    message = f"alert-ack:{delivery_id}:{key}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def ack_url(public_url: str, secret: str, delivery_id: int, key: str) -> str:
    return f"{public_url}/alerts/ack/{ack_token(secret, delivery_id, key)}"
