"""Where alerts go besides site contacts: an organisation's webhook endpoints (managed by its
org admins; the signing secret is shown once and kept encrypted) and members' opt-in to alert
e-mails for their organisation's sites."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.alerts.models import Subscription, Webhook
from vigil.core import audit
from vigil.core.config import Settings
from vigil.core.crypto import encrypt, new_token
from vigil.core.egress import check_url_field
from vigil.core.errors import Forbidden, Invalid, NotFound
from vigil.core.policy import Principal, Role, acting_org


def check_url(url: str, settings: Settings) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Invalid("url", "give an http(s) URL such as https://example.org/vigil-alerts")
    if len(url) > 2000:
        raise Invalid("url", "at most 2,000 characters")
    check_url_field(url, allow_private=settings.webhook_allow_private)
    return url


def add_webhook(
    *, session: Session, principal: Principal, settings: Settings, url: str
) -> tuple[Webhook, str]:
    """Register an endpoint for the acting organisation; returns it and its signing secret."""
    org_id = acting_org(principal, Role.org_admin)
    secret = new_token()
    hook = Webhook(
        org_id=org_id,
        url=check_url(url, settings),
        secret_encrypted=encrypt(
            secret, keys=settings.encryption_keys, secret_key=settings.secret_key
        ),
    )
    session.add(hook)
    session.flush()
    audit.log_action(
        session,
        principal,
        "alert_webhook.add",
        target_type="alert_webhooks",
        target_id=hook.id,
        org_id=org_id,
        detail={"host": urlsplit(url).hostname},
    )
    return hook, secret


def list_webhooks(*, session: Session, principal: Principal) -> list[Webhook]:
    org_id = acting_org(principal, Role.org_admin)
    return list(
        session.scalars(select(Webhook).where(Webhook.org_id == org_id).order_by(Webhook.id))
    )


def remove_webhook(*, session: Session, principal: Principal, webhook_id: int) -> None:
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.org_id not in principal.org_ids:
        raise NotFound("No such webhook in your organisations.")
    if not principal.has_role(hook.org_id, Role.org_admin):
        raise Forbidden("Only the organisation's admins manage its webhooks.")
    hook.active = False
    audit.log_action(
        session,
        principal,
        "alert_webhook.remove",
        target_type="alert_webhooks",
        target_id=hook.id,
        org_id=hook.org_id,
    )


def subscribe(*, session: Session, principal: Principal, org_id: int, on: bool) -> None:
    """Opt in (or out) of alert e-mails for the sites of one of your organisations."""
    if principal.person_id is None or org_id not in principal.org_ids:
        raise Forbidden("You can subscribe to alerts of your own organisations only.")
    session.execute(
        delete(Subscription).where(
            Subscription.person_id == principal.person_id, Subscription.org_id == org_id
        )
    )
    if on:
        session.add(Subscription(person_id=principal.person_id, org_id=org_id))
    session.flush()


def is_subscribed(*, session: Session, principal: Principal, org_id: int) -> bool:
    return (
        session.scalar(
            select(Subscription.id).where(
                Subscription.person_id == principal.person_id, Subscription.org_id == org_id
            )
        )
        is not None
    )
