"""The links that invitations and password resets e-mail, signed by core.signed_links. Each
signs a random secret that the database keeps only as its hash, so the secret key alone cannot
forge one, and the signature carries the expiry; the row says whether it was used (once)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.crypto import new_token, token_hash
from vigil.core.db import utcnow
from vigil.core.signed_links import LinkRefused, Refusal, sign, verify
from vigil.orgs.models import Invitation, PasswordReset

INVITATION_LINK = "invite"
RESET_LINK = "reset"


def new_link(*, secret_key: str, purpose: str, expires: dt.datetime) -> tuple[str, str]:
    """A link's token and the hash its row keeps."""
    secret = new_token()
    token = sign(secret=secret_key, purpose=purpose, subject=secret, expires=expires)
    return token, token_hash(secret)


def find_invitation(
    session: Session, token: str, *, secret_key: str, lock: bool = False
) -> Invitation:
    """The invitation a link opens while it may be accepted; LinkRefused says why not (broken,
    expired, or already accepted). `lock` holds the row until the transaction ends, so two tabs
    accepting at once cannot both use it."""
    secret = verify(secret=secret_key, token=token, purpose=INVITATION_LINK).subject
    stmt = select(Invitation).where(Invitation.token_hash == token_hash(secret))
    invitation = session.scalar(stmt.with_for_update() if lock else stmt)
    if invitation is None:
        raise LinkRefused(Refusal.unknown)
    if invitation.accepted_at is not None:
        raise LinkRefused(Refusal.used, at=invitation.accepted_at)
    if invitation.expires_at <= utcnow():
        raise LinkRefused(Refusal.expired, at=invitation.expires_at)
    return invitation


def find_password_reset(
    session: Session, token: str, *, secret_key: str, lock: bool = False
) -> PasswordReset:
    """The reset a link opens while it may be used; LinkRefused says why not (broken, expired,
    or used, by itself or by a newer link of the person). `lock` as for invitations."""
    secret = verify(secret=secret_key, token=token, purpose=RESET_LINK).subject
    stmt = select(PasswordReset).where(PasswordReset.token_hash == token_hash(secret))
    reset = session.scalar(stmt.with_for_update() if lock else stmt)
    if reset is None:
        raise LinkRefused(Refusal.unknown)
    if reset.used_at is not None:
        raise LinkRefused(Refusal.used, at=reset.used_at)
    if reset.expires_at <= utcnow():
        raise LinkRefused(Refusal.expired, at=reset.expires_at)
    return reset
