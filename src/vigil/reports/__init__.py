"""Analytics and reports: the figures kept up to date from the incidents, the statistics page,
network totals with suppression, the annual report and the exports authorities ask for."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from vigil.core.domains import Domain

if TYPE_CHECKING:
    from fastapi import APIRouter

    from vigil.core.jobs import PeriodicTask


class Reports(Domain):
    """Figures, statistics, the annual report and the ODIHR export."""

    name = "reports"
    nav = (("/statistics", "Statistics", True), ("/annual-reports", "Annual reports", True))

    def models(self) -> Sequence[ModuleType]:
        from vigil.reports import models

        return (models,)

    def routers(self) -> Sequence[APIRouter]:
        from vigil.reports import (
            annual_pages,
            figures_api,
            odihr_pages,
            published_pages,
            statistics_pages,
        )

        return (
            figures_api.router,  # the acting organisation's figures as JSON (odihr helper)
            odihr_pages.router,  # the ODIHR hate-crime export: page, CSV, XLSX
            statistics_pages.router,  # /statistics and its charts' CSV (stats helper)
            annual_pages.router,  # the annual report builder (annual helper)
            published_pages.router,  # published reports and the widget, no sign-in (annual)
        )

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        from vigil.reports import figures

        return figures.PERIODIC_TASKS


DOMAIN = Reports()
