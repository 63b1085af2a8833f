"""Analytics and reports: the figures kept up to date from the incidents, the statistics page,
network totals with suppression, the annual report and the exports authorities ask for."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from vigil.core.domains import Domain

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import Session

    from vigil.core.domains import DemoData
    from vigil.core.jobs import PeriodicTask


class Reports(Domain):
    """Figures, statistics, the annual report and the ODIHR export."""

    name = "reports"
    nav = (("/statistics", "Statistics"), ("/annual-reports", "Annual reports"))

    def models(self) -> Sequence[ModuleType]:
        from vigil.reports import models

        return (models,)

    def routers(self) -> Sequence[APIRouter]:
        # Fixed paths (/statistics/odihr, /statistics/network/...) before the statistics
        # page's /statistics/{chart}.csv.
        from vigil.reports import (
            annual_pages,
            figures_api,
            odihr_pages,
            published_pages,
            statistics_pages,
        )

        return (
            figures_api.router,  # the acting organisation's figures as JSON
            odihr_pages.router,  # the ODIHR hate-crime export: page, CSV, XLSX
            *_network_routers(),
            statistics_pages.router,  # /statistics and its charts' CSV
            annual_pages.router,  # the annual report builder
            published_pages.router,  # published reports and the widget, no sign-in
        )

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        from vigil.reports import figures

        return figures.PERIODIC_TASKS

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.reports import cli

        return (("reports", cli.reports_app),)

    def load_demo(self, session: Session, demo: DemoData) -> None:
        from vigil.reports.demo import load_figures

        load_figures(session, demo)


def _network_routers() -> Sequence[APIRouter]:
    from vigil.reports import network_api, network_pages

    return (network_api.router, network_pages.router)


DOMAIN = Reports()
