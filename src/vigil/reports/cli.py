"""`vigil reports figures refresh|rebuild|check`: an operator's hands on the stored figures.
The refresh is what the periodic task runs; the rebuild recomputes every cell (after a restore
or a change of the counting code); the check compares every cell with the incidents and exits
1 when any differs, so a cron job or a deployment can tell."""

from __future__ import annotations

import time

import typer

from vigil.core.config import get_settings
from vigil.core.db import transaction
from vigil.reports.figures import check_figures, freshness, rebuild_figures, refresh_figures

reports_app = typer.Typer(help="Analytics and reports.", no_args_is_help=True)
figures_app = typer.Typer(help="The stored figures, kept from the incidents.")
reports_app.add_typer(figures_app, name="figures", no_args_is_help=True)

SHOWN = 50  # differences printed; the count says how many more


def _freshness_line() -> str:
    settings = get_settings()
    with transaction(settings.sqlalchemy_url) as session:
        now = freshness(session)
    at = f"{now.refreshed_at:%Y-%m-%d %H:%M:%S} UTC" if now.refreshed_at else "never"
    return f"Figures refreshed: {at}; changes waiting: {now.pending_changes}"


@figures_app.command("refresh")
def refresh() -> None:
    """Bring the figures up to date with every change made so far."""
    settings = get_settings()
    started = time.perf_counter()
    with transaction(settings.sqlalchemy_url) as session:
        marks = refresh_figures(session)
    typer.echo(f"{marks} changes counted in {time.perf_counter() - started:.1f} s")
    typer.echo(_freshness_line())


@figures_app.command("rebuild")
def rebuild() -> None:
    """Recompute every stored cell from the incidents."""
    settings = get_settings()
    started = time.perf_counter()
    with transaction(settings.sqlalchemy_url) as session:
        rebuild_figures(session)
    typer.echo(f"Figures rebuilt in {time.perf_counter() - started:.1f} s")
    typer.echo(_freshness_line())


@figures_app.command("check")
def check() -> None:
    """Compare every stored cell with the incidents; exit 1 when any differs (changes still
    waiting for the refresh are differences too: refresh first)."""
    settings = get_settings()
    with transaction(settings.sqlalchemy_url) as session:
        found = check_figures(session)
    typer.echo(_freshness_line())
    for difference in found[:SHOWN]:
        key = ", ".join(str(part) for part in difference.key)
        typer.echo(
            f"{difference.table} ({key}): stored {difference.stored}, "
            f"incidents give {difference.expected}"
        )
    if len(found) > SHOWN:
        typer.echo(f"... and {len(found) - SHOWN} more")
    if found:
        typer.echo(f"{len(found)} cells differ")
        raise typer.Exit(code=1)
    typer.echo("The figures agree with the incidents.")
