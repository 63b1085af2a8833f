"""Encryption at rest for secrets and personal contact data, with key rotation (MultiFernet)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session


def _derived_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(b"vigil-encryption:" + secret.encode()).digest())


@lru_cache(maxsize=8)
def _fernet(keys: str, secret_key: str) -> MultiFernet:
    """First key encrypts; every key decrypts, so old data stays readable during rotation."""
    listed = [k.strip() for k in keys.split(",") if k.strip()]
    material = listed or [_derived_key(secret_key).decode()]
    return MultiFernet([Fernet(k.encode()) for k in material])


def encrypt(plaintext: str, *, keys: str, secret_key: str) -> str:
    return _fernet(keys, secret_key).encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, keys: str, secret_key: str) -> str:
    try:
        return _fernet(keys, secret_key).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("encrypted value cannot be read with the configured keys") from exc


def rotate(token: str, *, keys: str, secret_key: str) -> str:
    return _fernet(keys, secret_key).rotate(token.encode()).decode()


ROTATE_BATCH = 500


def rotate_column(
    session: Session, column: InstrumentedAttribute[str | None], *, keys: str, secret_key: str
) -> int:
    """Re-encrypt every value of one encrypted column with the first key; returns how many.

    Run after putting a new key first in VIGIL_ENCRYPTION_KEYS; once it has run, old keys can
    be dropped from the list.
    """
    model = column.class_
    key = inspect(model).primary_key[0]
    done, last = 0, None
    while True:
        stmt = select(key, column).where(column.is_not(None)).order_by(key).limit(ROTATE_BATCH)
        if last is not None:
            stmt = stmt.where(key > last)
        rows = session.execute(stmt).all()
        if not rows:
            return done
        for row_id, value in rows:
            session.execute(
                update(model)
                .where(key == row_id)
                .values({column.key: rotate(value, keys=keys, secret_key=secret_key)})
            )
        done += len(rows)
        last = rows[-1][0]


def new_token() -> str:
    """A random URL-safe secret of 32 bytes (API tokens, invitation and reset links)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
