"""`vigil peers ...`: the peers this instance pulls from and pushes to, from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.core.cli import fail
from vigil.core.config import get_settings
from vigil.core.db import get_sessionmaker
from vigil.core.errors import DomainError
from vigil.sharing import peer_pull

peers_app = typer.Typer(help="Peers: other TAXII servers pulled from and pushed to.")


@peers_app.command("pull")
def pull(name: Annotated[str, typer.Argument(help="The peer's name.")]) -> None:
    """Pull a peer now, from its cursor to the end of its collection (a transaction per page,
    as the worker does); its next scheduled pull is left as it was."""
    settings = get_settings()
    try:
        with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
            peer_id = peer_pull.peer_named(session, name)
        result = peer_pull.pull_peer(settings, peer_id)
    except DomainError as exc:
        fail(exc.detail)
    typer.echo(
        f"{name}: {result.objects} objects in {result.pages} pages, {result.refused} refused, "
        f"{result.seconds:.1f} s"
    )
    if result.error:
        fail(result.error)
