"""Open-source monitoring: news and feeds in many languages read from an organisation's
sources, clustered into stories, and the stories that touch its watched sites, places or terms
raised as signals in its monitoring inbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from vigil.core.domains import Domain

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from vigil.core.jobs import Handler, PeriodicTask


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


class Monitoring(Domain):
    """Open-source monitoring: sources polled by the worker, articles, stories and signals."""

    name = "monitoring"

    def models(self) -> Sequence[ModuleType]:
        from vigil.monitoring import models

        return (models,)

    def routers(self) -> Sequence[APIRouter]:
        return (*_source_routers(),)

    def job_handlers(self) -> Mapping[str, Handler]:
        return {**_source_job_handlers()}

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        return (*_source_periodic_tasks(),)

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.monitoring import cli

        return (("monitoring", cli.monitoring_app),)


DOMAIN = Monitoring()
