"""`vigil playbooks ...`: check playbook files before publishing them (or in CI)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

playbooks_app = typer.Typer(help="Response playbooks.", no_args_is_help=True)


@playbooks_app.command("lint")
def playbooks_lint(
    files: Annotated[list[Path], typer.Argument(help="Playbook YAML files.")],
) -> None:
    """Load each file and check every text is written in each language it declares; prints
    FILE:LINE: KEY: REASON for each problem and exits 1 if there is any."""
    from vigil.core.datafile import DataFileError
    from vigil.playbooks.lint import lint_file

    failed = 0
    for path in files:
        try:
            template = lint_file(path)
        except DataFileError as exc:
            failed += 1
            for p in exc.data_problems:
                typer.secho(f"{exc.file}:{p.line}: {p.key or '(document)'}: {p.reason}", err=True)
            continue
        except OSError as exc:
            failed += 1
            typer.secho(f"{path}: cannot read: {exc.strerror}", err=True)
            continue
        languages = ", ".join(template.languages)
        typer.echo(f"{path}: {template.code} v{template.version} complete in {languages}")
    if failed:
        raise typer.Exit(1)
