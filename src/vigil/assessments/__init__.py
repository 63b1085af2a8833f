"""Vulnerability assessment: methodologies as data, scores, risk and prioritised measures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vigil.core.domains import DemoData, Domain

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import Session


class Assessments(Domain):
    """Methodologies, assessments and the portfolio, `vigil risk recompute`, `vigil assessments
    methodology lint`, and the demo's assessments."""

    name = "assessments"
    nav = (("/portfolio", "Portfolio"), ("/methodologies", "Methodologies"))

    def routers(self) -> Sequence[APIRouter]:
        from vigil.assessments import api, form_pages, guidance_pages, pages, portfolio_pages

        routers = (pages.router, form_pages.router, portfolio_pages.router, guidance_pages.router)
        return (api.router, *routers)

    def models(self) -> Sequence[ModuleType]:
        from vigil.assessments import models

        return (models,)

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.assessments import cli

        return (("risk", cli.risk_app), ("assessments", cli.assessments_app))

    def template_globals(self) -> Mapping[str, Any]:
        """`pick` gives a methodology's text in the reader's language (macros' `data_text`);
        `card_title` names a procedure card in a link, from a question or a playbook task."""
        from vigil.assessments.procedure_cards import card_title
        from vigil.core.localised import pick

        return {"pick": pick, "card_title": card_title}

    def load_demo(self, session: Session, demo: DemoData) -> None:
        from vigil.assessments.demo import load_assessments

        load_assessments(session, demo)


DOMAIN = Assessments()
