"""Alerts: CAP 1.2 messages geo-targeted to sites, delivered live, by webhook and e-mail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vigil.core.domains import DemoData, Domain

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import InstrumentedAttribute, Session

    from vigil.core.jobs import PeriodicTask, Runner


class Alerts(Domain):
    """CAP alerts: API, pages and acknowledgement links, the deliveries each worker sends from
    a pool of its own, escalation to next contacts every few seconds, subscriptions to other
    instances' and authorities' CAP feeds (polled by the worker), and the demo's alerts."""

    name = "alerts"
    nav = (("/alerts", "Alerts"),)

    def routers(self) -> Sequence[APIRouter]:
        from vigil.alerts import (
            ack_pages,
            api,
            board_pages,
            feed_api,
            feed_pages,
            import_pages,
            list_pages,
            map_pages,
            pages,
        )

        return (
            api.router,
            feed_api.router,
            api.hooks_router,
            feed_pages.router,
            import_pages.router,
            list_pages.router,
            pages.router,
            map_pages.router,
            board_pages.router,
            ack_pages.router,
        )

    def models(self) -> Sequence[ModuleType]:
        from vigil.alerts import models

        return (models,)

    def encrypted_columns(self) -> Sequence[InstrumentedAttribute[Any]]:
        from vigil.alerts.models import Webhook

        return (Webhook.secret_encrypted,)

    def template_globals(self) -> Mapping[str, Any]:
        from vigil.alerts import labels

        return {"cap_words": labels.cap_words_of_page}  # templates/alerts/_labels.html

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        from vigil.alerts import feed_polling, outbox

        return (outbox.ESCALATION, feed_polling.CAP_FEEDS)

    def runners(self) -> Sequence[Runner]:
        from vigil.alerts import outbox

        return (outbox.DELIVERIES,)

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.alerts import cli

        return (("alerts", cli.alerts_app),)

    def load_demo(self, session: Session, demo: DemoData) -> None:
        from vigil.alerts.demo import load_alerts

        load_alerts(session, demo)


DOMAIN = Alerts()
