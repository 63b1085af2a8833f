"""The demo's figures: rebuilt once the demo incidents are in (reports comes after incidents in
the domains' order), so the statistics pages show two years at once rather than after the
first periodic refresh. Rebuilding again on a second load changes nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vigil.core.domains import DemoData
from vigil.reports.figures import rebuild_figures


def load_figures(session: Session, demo: DemoData) -> None:
    session.flush()
    rebuild_figures(session)
