"""Response playbooks: templates, activations, tasks, the timeline, roll-calls, reviews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from vigil.core.domains import DemoData, Domain

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import Session

    from vigil.core.jobs import Handler


class Playbooks(Domain):
    """Response playbooks: API and pages, the check that e-mails an overdue first-minutes task,
    and the demo's responses."""

    name = "playbooks"
    nav = (("/playbooks", "Playbooks"),)

    def routers(self) -> Sequence[APIRouter]:
        from vigil.playbooks import api, pages

        return (api.router, pages.router)

    def models(self) -> Sequence[ModuleType]:
        from vigil.playbooks import models

        return (models,)

    def job_handlers(self) -> Mapping[str, Handler]:
        from vigil.playbooks import escalation

        return {escalation.CHECK_OVERDUE: escalation.check_overdue}

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.playbooks import cli

        return (("playbooks", cli.playbooks_app),)

    def load_demo(self, session: Session, demo: DemoData) -> None:
        from vigil.playbooks.demo import load_playbooks

        load_playbooks(session, demo)


DOMAIN = Playbooks()
