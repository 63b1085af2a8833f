"""`vigil backup` and `vigil restore`: one archive of the instance, and its verified restore
into an empty instance (docs/backup.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigil.core.cli import fail
from vigil.core.config import get_settings
from vigil.core.errors import DomainError
from vigil.ops import service

backup_app = typer.Typer(help="Back up the instance.")
restore_app = typer.Typer(help="Restore a backup into an empty instance.")


@backup_app.callback(invoke_without_command=True)
def backup(
    output: Annotated[
        Path | None, typer.Option(help="Archive to write; default BACKUP_DIR/vigil-TIME.tar.")
    ] = None,
    include_keys: Annotated[
        bool,
        typer.Option(
            help="Also put the secret, encryption and audit keys in the archive (then whoever "
            "holds the archive can read everything in it)."
        ),
    ] = False,
) -> None:
    """Write one consistent archive: the database, the evidence files, the keys' identifiers
    and a manifest with counts, checksums and the audit chain's head."""
    settings = get_settings()
    if include_keys:
        typer.secho(
            "warning: the archive will hold the keys: keep it as secret as the keys themselves",
            fg=typer.colors.YELLOW,
            err=True,
        )
    try:
        made = service.make_backup(settings, target=output, include_keys=include_keys)
    except (DomainError, OSError) as exc:
        fail(f"backup failed: {exc}")
    database = made.manifest["database"]
    typer.echo(f"backup written: {made.path} ({made.size_bytes} bytes, verified)")
    typer.echo(
        f"{database['kind']} at {database['migration']}, "
        f"{sum(database['tables'].values())} rows in {len(database['tables'])} tables, "
        f"{len(made.manifest['files']) - 2} evidence file(s), "
        f"audit chain head {made.manifest['audit']['seq']}"
    )


@restore_app.callback(invoke_without_command=True)
def restore(
    archive: Annotated[Path, typer.Argument(help="An archive `vigil backup` wrote.")],
) -> None:
    """Restore ARCHIVE into this instance, whose database and evidence directory must be empty;
    succeeds only once the checksums, the counts and the audit chain are verified."""
    settings = get_settings()
    try:
        manifest = service.restore_backup(settings, archive)
    except (DomainError, OSError) as exc:
        fail(f"restore refused: {exc}")
    typer.echo(
        f"restored {archive.name} (made {manifest['created_at']}): counts match, "
        f"audit chain verified up to {manifest['audit']['seq']}"
    )
