"""Operations: backing the instance up, on demand and on a schedule, and restoring it; retention
and a member's export of their own data. It sits above every domain, because a backup, a
retention run and an export reach all of their records."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from vigil.core.domains import Domain

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from vigil.core.jobs import PeriodicTask


class Ops(Domain):
    """Backups (the commands, the scheduled task and the platform page), retention (its task and
    command) and the export of a member's own data."""

    name = "ops"

    def routers(self) -> Sequence[APIRouter]:
        from vigil.ops import api, pages

        return (api.router, pages.router)

    def models(self) -> Sequence[ModuleType]:
        from vigil.ops import models

        return (models,)

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        from vigil.ops import retention, schedule

        return (*schedule.PERIODIC_TASKS, *retention.PERIODIC_TASKS)

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.ops import cli, retention_cli

        return (
            ("backup", cli.backup_app),
            ("restore", cli.restore_app),
            ("retention", retention_cli.retention_app),
        )


DOMAIN = Ops()
