"""Webhook channel: the alert as JSON in the organisation's language (alerts.languages), signed
with the endpoint's secret (X-Vigil-Signature: sha256=HMAC-SHA256 over the exact body), with an
Idempotency-Key that stays the same on every attempt. A hanging endpoint fails after
VIGIL_WEBHOOK_TIMEOUT_SECONDS, in its own pool thread, so it never holds up other deliveries."""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.channels import Channel, Claimed, Gone, register
from vigil.alerts.documents import webhook_body
from vigil.alerts.languages import shown_in
from vigil.alerts.models import Alert, Webhook
from vigil.core.config import Settings
from vigil.core.crypto import decrypt
from vigil.core.egress import Refused, guarded_client
from vigil.orgs import languages as orgs_languages
from vigil.sites import directory as sites_directory

SIGNATURE_HEADER = "X-Vigil-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Prepared:
    url: str
    body: bytes
    headers: dict[str, str]


class WebhookChannel:
    name = "webhook"

    def __init__(self) -> None:
        self._local = threading.local()

    def prepare(
        self, session: Session, settings: Settings, batch: list[Claimed]
    ) -> dict[int, Prepared | Gone]:
        hooks = {
            h.id: h
            for h in session.scalars(
                select(Webhook).where(Webhook.id.in_({d.webhook_id for d in batch}))
            )
        }
        alerts = {
            a.id: a
            for a in session.scalars(select(Alert).where(Alert.id.in_({d.alert_id for d in batch})))
        }
        labels = sites_directory.site_labels(
            session=session, site_ids={d.site_id for d in batch if d.site_id is not None}
        )
        sites = {
            site_id: {"id": site_id, "name": s.name, "city": s.city, "country": s.country}
            for site_id, s in labels.items()
        }
        readers = orgs_languages.organisation_readers(
            session=session, org_ids={h.org_id for h in hooks.values()}
        )
        found: dict[int, Prepared | Gone] = {}
        secrets: dict[int, str] = {}
        for d in batch:
            hook = hooks.get(d.webhook_id or 0)
            if hook is None or not hook.active:
                found[d.id] = Gone("the webhook was removed or switched off")
                continue
            alert = alerts[d.alert_id]
            site = sites.get(d.site_id or 0)
            shown = shown_in(alert, readers[hook.org_id].locale)
            body = webhook_body(
                alert, shown=shown, site=site, delivery_id=d.id, key=d.idempotency_key
            )
            if hook.id not in secrets:
                secrets[hook.id] = decrypt(
                    hook.secret_encrypted,
                    keys=settings.encryption_keys,
                    secret_key=settings.secret_key,
                )
            secret = secrets[hook.id]
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(secret, body),
                IDEMPOTENCY_HEADER: d.idempotency_key,
                "X-Vigil-Delivery": str(d.id),
                "User-Agent": "Vigil-Alerts",
            }
            found[d.id] = Prepared(url=hook.url, body=body, headers=headers)
        return found

    def _client(self, settings: Settings) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = guarded_client(
                allow_private=settings.webhook_allow_private,
                timeout=httpx.Timeout(settings.webhook_timeout_seconds),
            )
            self._local.client = client
        return client

    def send(self, prepared: Any, settings: Settings) -> None:
        assert isinstance(prepared, Prepared)
        try:  # checked at every send, on the address connected to: a name may point elsewhere
            response = self._client(settings).post(
                prepared.url, content=prepared.body, headers=prepared.headers
            )
        except Refused as exc:
            raise RuntimeError(f"not sent: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"the endpoint answered HTTP {response.status_code}")


CHANNEL: Channel = register(WebhookChannel())
