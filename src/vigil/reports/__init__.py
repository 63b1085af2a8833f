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
    nav = (("/annual-reports", "Annual reports", True),)

    def routers(self) -> Sequence[APIRouter]:
        from vigil.reports import annual_pages, published_pages

        return (annual_pages.router, published_pages.router)

    def models(self) -> Sequence[ModuleType]:
        from vigil.reports import models

        return (models,)

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        from vigil.reports import figures

        return figures.PERIODIC_TASKS


DOMAIN = Reports()
