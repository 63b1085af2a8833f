"""Open-source monitoring: news and feeds in many languages read from an organisation's
sources, clustered into stories, and the stories that touch its watched sites, places or terms
raised as signals in its monitoring inbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vigil.core.domains import DemoData, Domain

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlalchemy.orm import Session


class Monitoring(Domain):
    """Open-source monitoring: sources polled by the worker, articles, stories and signals."""

    name = "monitoring"
    # The inbox (inbox_pages) is the domain's entry in the main menu.
    nav = (("/monitoring", "Monitoring", True),)

    def models(self) -> Sequence[ModuleType]:
        from vigil.monitoring import models

        return (models,)

    def routers(self) -> Sequence[APIRouter]:
        # The inbox, its API and the demo's local feeds.
        from vigil.monitoring import demo_feed, inbox_api, inbox_pages

        return (inbox_api.router, inbox_pages.router, demo_feed.router)

    def page_parts(self) -> Mapping[str, Any]:
        # An incident made from a signal shows it; an alert may be composed from a signal.
        from vigil.alerts.compose_parts import COMPOSE_PAGE
        from vigil.incidents.parts import INCIDENT_PAGE
        from vigil.monitoring.parts import SIGNAL_COMPOSE, incident_part

        return {INCIDENT_PAGE: incident_part, COMPOSE_PAGE: SIGNAL_COMPOSE}

    def load_demo(self, session: Session, demo: DemoData) -> None:
        # Sources served by this app (demo_feed) and their articles, analysed by the worker.
        from vigil.monitoring.demo import load_monitoring

        load_monitoring(session, demo)


DOMAIN = Monitoring()
