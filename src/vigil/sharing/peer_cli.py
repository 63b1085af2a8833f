"""`vigil peers ...`: the peers this instance pulls from and pushes to."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.core.cli import fail
from vigil.core.config import get_settings
from vigil.core.db import get_sessionmaker
from vigil.core.errors import DomainError
from vigil.sharing import peer_push
from vigil.sharing.peer_client import PeerError

peers_app = typer.Typer(help="Peers: other TAXII servers shared with.", no_args_is_help=True)


@peers_app.command("push")
def push(name: Annotated[str, typer.Argument(help="The peer's name.")]) -> None:
    """Push the peer now what its link may get and it has not been sent, then follow the
    status of its pending pushes (the worker does both after every change)."""
    settings = get_settings()
    try:
        with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
            peer_id = peer_push.pushing_peer_named(session, name)
        result = peer_push.push_peer(settings, peer_id)
        finished = peer_push.follow_pushes(settings, peer_id=peer_id)
    except DomainError as exc:
        fail(exc.detail)
    except PeerError as exc:
        fail(f"{name}: {exc} (recorded; the worker tries again)")
    typer.echo(
        f"{result.objects} objects pushed to {name} in {result.posts} posts"
        + (f", {result.skipped} kept back (markings)" if result.skipped else "")
        + (f"; {finished} pending pushes finished" if finished else "")
    )
    with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
        for failed in peer_push.failed_pushes(session, peer_id):
            first = failed.detail.splitlines()[0] if failed.detail else ""
            typer.echo(
                f"failed push {failed.id} ({failed.created_at:%Y-%m-%d %H:%M} UTC, "
                f"{failed.failure_count} of {failed.total_count} objects): {first}"
            )
