"""Alerts: CAP 1.2 messages geo-targeted to sites, delivered live, by webhook and e-mail."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.core.domains import Domain


def domain() -> Domain:
    """What alerts add: their API, pages and acknowledgement links, tables, the deliveries
    that each worker sends from a pool of its own, escalation to next contacts every few seconds,
    and the demo's alerts."""
    from vigil.alerts import ack_pages, api, demo, models, outbox, pages
    from vigil.core.domains import Domain
    from vigil.core.jobs import PeriodicTask, Runner

    return Domain(
        name="alerts",
        routers=(api.router, api.hooks_router, pages.router, ack_pages.router),
        nav=(("/alerts", "Alerts", True),),
        models=(models,),
        encrypted_columns=(models.Webhook.secret_encrypted,),
        periodic_tasks=(
            PeriodicTask(
                "alerts.escalate", outbox.ESCALATE_EVERY_SECONDS, outbox.escalate_unanswered
            ),
        ),
        runners=(
            Runner(
                "deliveries",
                outbox.run_deliveries,
                # Sends in flight end within a webhook's timeout.
                stop_seconds=lambda settings: settings.webhook_timeout_seconds + 5,
            ),
        ),
        demo=demo.load_alerts,
    )
