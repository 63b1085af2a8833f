"""`vigil retention run`: what the worker's retention task does, now, or counted only."""

from __future__ import annotations

import typer

from vigil.core.config import get_settings
from vigil.core.db import transaction
from vigil.ops.retention import KINDS, run_retention

retention_app = typer.Typer(help="Remove what is past its retention period (docs/privacy.md).")


@retention_app.command("run")
def run(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count what would be removed."),
) -> None:
    """Remove now what the worker removes every hour: the records whose retention period set by
    VIGIL_RETENTION_* (and VIGIL_MONITORING_TEXT_DAYS) has ended; prints the count per kind."""
    settings = get_settings()
    with transaction(settings.sqlalchemy_url) as session:
        counts = run_retention(session, settings, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for kind in KINDS:
        if kind.name in counts:
            days = getattr(settings, kind.setting)
            typer.echo(f"{kind.name}: {verb} {counts[kind.name]} (kept {days} days)")
        else:
            typer.echo(f"{kind.name}: kept forever (VIGIL_{kind.setting.upper()} is 0)")
