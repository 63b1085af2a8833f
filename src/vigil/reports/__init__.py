"""Analytics and reports: the figures kept up to date from the incidents, the statistics page,
network totals with suppression, the annual report and the exports authorities ask for."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from vigil.core.domains import Domain

if TYPE_CHECKING:
    import typer
    from sqlalchemy.orm import Session

    from vigil.core.domains import DemoData
    from vigil.core.jobs import PeriodicTask


class Reports(Domain):
    """Figures, statistics, the annual report and the ODIHR export."""

    name = "reports"

    def models(self) -> Sequence[ModuleType]:
        from vigil.reports import models

        return (models,)

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        from vigil.reports import figures

        return figures.PERIODIC_TASKS

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.reports import cli

        return (("reports", cli.reports_app),)

    def load_demo(self, session: Session, demo: DemoData) -> None:
        from vigil.reports.demo import load_figures

        load_figures(session, demo)


DOMAIN = Reports()
