"""A person's own API tokens, the bearer secrets scripts and integrations use instead of a
browser session: orgs.principals issues and checks them, this module is what a person does with
theirs (create, list, revoke), audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core import audit
from vigil.core.db import utcnow
from vigil.core.errors import NotFound, Unauthorized
from vigil.core.policy import Principal
from vigil.orgs import accounts
from vigil.orgs.models import ApiToken
from vigil.orgs.principals import issue_api_token


def create_token(*, session: Session, principal: Principal, name: str) -> tuple[ApiToken, str]:
    if principal.person_id is None:
        raise Unauthorized("Sign in first.")
    row, secret = issue_api_token(session, person_id=principal.person_id, name=name)
    audit.log_action(session, principal, "token.create", target_type="api_token", target_id=row.id)
    return row, secret


def issue_for(*, session: Session, principal: Principal, email: str, name: str) -> str:
    """The operator issues a token for a person (the account a partner's peer link or an
    integration signs in as); the person sees and may revoke it like their own."""
    if not principal.is_platform_admin:
        raise Unauthorized("Only the platform operator issues tokens for others.")
    person = accounts.person_by_email(session, email)
    if person is None:
        raise NotFound("No person with the e-mail %(email)s.", email=email)
    row, secret = issue_api_token(session, person_id=person.id, name=name)
    audit.log_action(
        session,
        principal,
        "token.issue",
        target_type="api_token",
        target_id=row.id,
        detail={"person_id": person.id, "name": name},
    )
    return secret


def list_tokens(*, session: Session, principal: Principal) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.person_id == principal.person_id)
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke_token(*, session: Session, principal: Principal, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.person_id != principal.person_id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.log_action(
            session, principal, "token.revoke", target_type="api_token", target_id=token.id
        )
    return token


def _named(session: Session, email: str, name: str) -> list[ApiToken]:
    person = accounts.person_by_email(session, email)
    if person is None:
        raise NotFound("No person with the e-mail %(email)s.", email=email)
    return list(
        session.scalars(
            select(ApiToken).where(
                ApiToken.person_id == person.id,
                ApiToken.name == name,
                ApiToken.revoked_at.is_(None),
            )
        )
    )


def has_named(*, session: Session, email: str, name: str) -> bool:
    """Whether the person holds a token of that name not revoked (the operator's check before
    issuing one again, e.g. for a peer link set up by a script)."""
    return bool(_named(session, email, name))


def revoke_named(*, session: Session, principal: Principal, email: str, name: str) -> int:
    """The operator revokes the person's tokens of that name (their secrets were lost, e.g. the
    peer link that held one was removed); returns how many."""
    if not principal.is_platform_admin:
        raise Unauthorized("Only the platform operator revokes tokens for others.")
    found = _named(session, email, name)
    for token in found:
        token.revoked_at = utcnow()
        audit.log_action(
            session,
            principal,
            "token.revoke",
            target_type="api_token",
            target_id=token.id,
            detail={"person_id": token.person_id, "name": name},
        )
    return len(found)
