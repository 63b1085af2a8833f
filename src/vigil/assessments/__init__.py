"""Vulnerability assessment: methodologies as data, scores, risk and prioritised measures."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.core.domains import Domain


def domain() -> Domain:
    """What assessments add: methodologies, assessments and the portfolio, their tables,
    `vigil risk recompute` and the demo's assessments."""
    from vigil.assessments import (
        api,
        cli,
        demo,
        form_pages,
        models,
        pages,
        portfolio_pages,
    )
    from vigil.core.domains import Domain

    return Domain(
        name="assessments",
        routers=(api.router, pages.router, form_pages.router, portfolio_pages.router),
        nav=(("/portfolio", "Portfolio", True), ("/methodologies", "Methodologies", True)),
        models=(models,),
        cli=(("risk", cli.risk_app),),
        demo=demo.load_assessments,
    )
