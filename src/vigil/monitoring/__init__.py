"""Open-source monitoring: news and feeds in many languages read from an organisation's
sources, clustered into stories, and the stories that touch its watched sites, places or terms
raised as signals in its monitoring inbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vigil.core.domains import DemoData, Domain

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import Session

    from vigil.core.jobs import Handler, PeriodicTask, Runner


def _source_routers() -> tuple[APIRouter, ...]:
    """Sources: their API and pages (steps 1 and 2 of issue 15)."""
    from vigil.monitoring import source_api, source_pages

    return (source_api.router, source_pages.router)


def _source_job_handlers() -> dict[str, Handler]:
    from vigil.monitoring import polling

    return dict(polling.JOB_HANDLERS)


def _source_periodic_tasks() -> tuple[PeriodicTask, ...]:
    from vigil.monitoring import polling

    return polling.PERIODIC_TASKS


def _signal_routers() -> tuple[APIRouter, ...]:
    """Watches, feedback on articles and the classifier's effect (step 6's signals and step 5's
    classifier)."""
    from vigil.monitoring import feedback_api, watch_api

    return (feedback_api.router, watch_api.router)


def _signal_job_handlers() -> dict[str, Handler]:
    """Analysis of stored articles into stories and signals, and the classifier's training."""
    from vigil.monitoring import analysing, classifier

    return {
        analysing.ANALYSE_ARTICLES: analysing.analyse_articles,
        classifier.TRAIN_CLASSIFIER: classifier.train_classifier,
    }


def _inbox_routers() -> tuple[APIRouter, ...]:
    """The inbox: signals, their pages and API, and the demo's locally served feeds."""
    from vigil.monitoring import demo_feed, inbox_api, inbox_pages

    return (inbox_api.router, inbox_pages.router, demo_feed.router)


def _inbox_page_parts() -> dict[str, Any]:
    """An incident made from a signal shows it; an alert may be composed from a signal."""
    from vigil.alerts.compose_parts import COMPOSE_PAGE
    from vigil.incidents.parts import INCIDENT_PAGE
    from vigil.monitoring.parts import SIGNAL_COMPOSE, incident_part

    return {INCIDENT_PAGE: incident_part, COMPOSE_PAGE: SIGNAL_COMPOSE}


class Monitoring(Domain):
    """Open-source monitoring: sources polled by the worker, articles, stories and signals."""

    name = "monitoring"
    # The inbox (inbox_pages) is the domain's entry in the main menu.
    nav = (("/monitoring", "Monitoring"),)

    def models(self) -> Sequence[ModuleType]:
        from vigil.monitoring import models

        return (models,)

    def routers(self) -> Sequence[APIRouter]:
        return (*_source_routers(), *_signal_routers(), *_inbox_routers())

    def job_handlers(self) -> Mapping[str, Handler]:
        return {**_source_job_handlers(), **_signal_job_handlers()}

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        return (*_source_periodic_tasks(),)

    def runners(self) -> Sequence[Runner]:
        # Loads the analysis's models when a worker starts, not with its first article.
        from vigil.monitoring.warm_up import WARM_UP

        return (WARM_UP,)

    def page_parts(self) -> Mapping[str, Any]:
        return {**_inbox_page_parts()}

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.monitoring import cli

        return (("monitoring", cli.monitoring_app),)

    def load_demo(self, session: Session, demo: DemoData) -> None:
        # Sources served by this app (demo_feed), their articles stored and queued for analysis.
        from vigil.monitoring.demo import load_monitoring

        load_monitoring(session, demo)


DOMAIN = Monitoring()
