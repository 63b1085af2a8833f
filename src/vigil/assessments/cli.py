"""`vigil risk ...`: sites' risk from the command line (e.g. a daily cron job)."""

from __future__ import annotations

import time

import typer

from vigil.core import audit
from vigil.core.config import get_settings
from vigil.core.db import transaction

risk_app = typer.Typer(help="Sites' risk.", no_args_is_help=True)


@risk_app.command("recompute")
def risk_recompute() -> None:
    """Recompute every assessed site's risk with today's threat (run it daily, e.g. from cron)."""
    from vigil.assessments.recompute import recompute_risks

    settings = get_settings()
    started = time.perf_counter()
    with transaction(settings.sqlalchemy_url) as session:
        stats = recompute_risks(session=session)
        audit.record(session, action="risk.recompute", actor="system")
    seconds = time.perf_counter() - started
    typer.echo(f"{stats.sites} sites recomputed, {stats.changed} changed, in {seconds:.1f} s")
