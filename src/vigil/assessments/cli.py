"""`vigil risk ...`: sites' risk from the command line (e.g. a daily cron job); `vigil assessments
methodology lint`: a methodology file checked before it is published or shipped."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from vigil.core import audit
from vigil.core.config import get_settings
from vigil.core.db import transaction

risk_app = typer.Typer(help="Sites' risk.", no_args_is_help=True)
assessments_app = typer.Typer(help="Vulnerability assessments.", no_args_is_help=True)
methodology_app = typer.Typer(help="Methodology files.", no_args_is_help=True)
assessments_app.add_typer(methodology_app, name="methodology")


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


@methodology_app.command("lint")
def methodology_lint(
    files: Annotated[list[Path], typer.Argument(help="Methodology YAML files.", exists=True)],
) -> None:
    """Check methodology files: every problem loading would report, and every text missing in
    one of the languages the file declares (`languages:`). Exits 1 if any file has a problem."""
    from vigil.assessments.lint import lint_file

    failed = 0
    for path in files:
        report = lint_file(path)
        for line in report:
            typer.echo(line)
        if report:
            failed += 1
        else:
            typer.echo(f"{path}: ok")
    if failed:
        typer.echo(f"{failed} of {len(files)} file(s) have problems")
        raise typer.Exit(code=1)
