"""`vigil sharing ...`: what an operator needs to keep this instance's STIX ids stable and
its TAXII store full."""

from __future__ import annotations

import typer

from vigil.core.config import get_settings
from vigil.core.db import transaction
from vigil.sharing import store
from vigil.sharing.ids import instance_namespace

sharing_app = typer.Typer(help="STIX sharing.", no_args_is_help=True)


@sharing_app.command("namespace")
def namespace() -> None:
    """Print the namespace of this instance's STIX ids: keep it as VIGIL_STIX_NAMESPACE before
    changing VIGIL_SECRET_KEY, or every record gets a new STIX id."""
    typer.echo(str(instance_namespace(get_settings())))


@sharing_app.command("rebuild")
def rebuild() -> None:
    """Fill the TAXII store from every incident and notice (after an upgrade, or to repair it);
    the worker keeps it current afterwards."""
    settings = get_settings()
    with transaction(settings.sqlalchemy_url) as session:
        written = store.refresh(session, settings, since=None)
    typer.echo(f"{written} STIX objects written")
