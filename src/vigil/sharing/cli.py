"""`vigil sharing ...`: what an operator needs to keep this instance's STIX ids stable."""

from __future__ import annotations

import typer

from vigil.core.config import get_settings
from vigil.sharing.ids import instance_namespace

sharing_app = typer.Typer(help="STIX sharing.", no_args_is_help=True)


@sharing_app.command("namespace")
def namespace() -> None:
    """Print the namespace of this instance's STIX ids: keep it as VIGIL_STIX_NAMESPACE before
    changing VIGIL_SECRET_KEY, or every record gets a new STIX id."""
    typer.echo(str(instance_namespace(get_settings())))
