"""`vigil peers ...`: the operator registers, lists, changes and removes peer links (audited as
the command line). A secret is never an argument (it would stay in the shell's history and the
process list): it is read from an environment variable the operator names, or from stdin."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from vigil.core.cli import fail
from vigil.core.config import environment_secret, get_settings
from vigil.core.db import get_sessionmaker, transaction
from vigil.core.errors import DomainError, Invalid
from vigil.core.policy import SYSTEM, TLP
from vigil.orgs import service as orgs_service
from vigil.sharing import peer_pull, peer_push, peer_records, peers
from vigil.sharing.peer_client import PeerError
from vigil.sharing.peer_models import Direction, WhenRemoved
from vigil.sharing.peer_schemas import PeerCreate, PeerRead, PeerUpdate

peers_app = typer.Typer(help="Peer links: other TAXII 2.1 servers.", no_args_is_help=True)

SecretEnv = Annotated[
    str | None,
    typer.Option("--secret-env", help="Name of an environment variable holding the secret."),
]
SecretStdin = Annotated[
    bool, typer.Option("--secret-stdin", help="Read the secret from the first line of stdin.")
]
Orgs = Annotated[
    list[str] | None,
    typer.Option("--org", help="Slug of an organisation the link speaks for (repeat it)."),
]
Networks = Annotated[
    list[str] | None,
    typer.Option("--network", help="Slug of a network the link is attached to (repeat it)."),
]


def _secret(env: str | None, stdin: bool) -> str | None:
    if env and stdin:
        fail("give the secret one way: --secret-env or --secret-stdin")
    if env:
        value = environment_secret(env)
        if value is None:
            fail(f"the environment variable {env} is not set")
        return value
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return None


def _org_ids(session: Session, slugs: list[str]) -> list[int]:
    ids = []
    for slug in slugs:
        try:
            ids.append(
                orgs_service.get_organisation(session=session, principal=SYSTEM, ref=slug).id
            )
        except DomainError:
            raise Invalid("org", "no organisation with slug '%(slug)s'", slug=slug) from None
    return ids


def _network_ids(session: Session, slugs: list[str]) -> list[int]:
    known = {n.slug: n.id for n in orgs_service.list_networks(session=session, principal=SYSTEM)}
    for slug in slugs:
        if slug not in known:
            raise Invalid("network", "no network with slug '%(slug)s'", slug=slug)
    return [known[s] for s in slugs]


def _peer_id(session: Session, name: str) -> int:
    return peers.get_peer_by_name(session=session, principal=SYSTEM, name=name).id


def _failed(exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        exc = Invalid.from_validation(exc)
    fail(str(exc.detail) if isinstance(exc, DomainError) else str(exc))


def _describe(session: Session, peer: PeerRead) -> list[str]:
    slugs = [
        orgs_service.get_organisation(session=session, principal=SYSTEM, ref=o).slug
        for o in peer.organisations
    ]
    nets = {n.id: n.slug for n in orgs_service.list_networks(session=session, principal=SYSTEM)}
    return [
        f"peer {peer.name} (id {peer.id})",
        f"  api root: {peer.api_root}",
        f"  collection: {peer.collection_id}",
        f"  user: {peer.username or '-'}; secret: {'stored' if peer.has_secret else 'none'}",
        f"  direction: {peer.direction.value}; max push TLP: {peer.max_push_tlp.value}; "
        f"every {peer.every_seconds} s; {'enabled' if peer.enabled else 'disabled'}",
        f"  organisations: {', '.join(slugs)}",
        f"  networks: {', '.join(nets.get(n, str(n)) for n in peer.networks) or '-'}",
        f"  last success: {peer.last_success_at or 'never'}",
        f"  last error: {peer.last_error or '-'}",
    ]


@peers_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="How this instance calls the peer.")],
    api_root: Annotated[str, typer.Option(help="The peer's TAXII 2.1 API root URL.")],
    collection: Annotated[str, typer.Option(help="The collection id at the peer.")],
    org: Orgs = None,
    network: Networks = None,
    user: Annotated[str, typer.Option(help="User name for HTTP Basic.")] = "",
    secret_env: SecretEnv = None,
    secret_stdin: SecretStdin = False,
    direction: Annotated[Direction, typer.Option()] = Direction.pull,
    max_tlp: Annotated[TLP, typer.Option(help="The strictest TLP pushed.")] = TLP.green,
    every: Annotated[int, typer.Option(help="Seconds between pulls.")] = 300,
) -> None:
    """Register a peer link for one or more organisations."""
    secret = _secret(secret_env, secret_stdin)
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            data: dict[str, Any] = {
                "name": name,
                "api_root": api_root,
                "collection_id": collection,
                "username": user,
                "secret": secret,
                "direction": direction,
                "max_push_tlp": max_tlp,
                "every_seconds": every,
                "organisations": _org_ids(session, org or []),
                "networks": _network_ids(session, network or []),
            }
            made = peers.create_peer(
                session=session,
                principal=SYSTEM,
                settings=settings,
                data=PeerCreate.model_validate(data),
            )
            typer.echo(f"peer {made.name} added (id {made.id})")
    except (DomainError, ValidationError) as exc:
        _failed(exc)


@peers_app.command("list")
def list_() -> None:
    """Every peer link with its health."""
    settings = get_settings()
    with transaction(settings.sqlalchemy_url) as session:
        for peer in peers.list_peers(session=session, principal=SYSTEM):
            last = peer.last_success_at.isoformat() if peer.last_success_at else "never"
            error = f"; error: {peer.last_error[:80]}" if peer.last_error else ""
            typer.echo(
                f"{peer.id}\t{peer.name}\t{peer.direction.value}\t{peer.api_root}\t"
                f"last success: {last}{error}"
            )


@peers_app.command("show")
def show(name: str) -> None:
    """One peer link: where, for whom, its health (never its secret)."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            found = peers.get_peer_by_name(session=session, principal=SYSTEM, name=name)
            typer.echo("\n".join(_describe(session, found)))
    except DomainError as exc:
        _failed(exc)


@peers_app.command("update")
def update(
    name: str,
    rename: Annotated[str | None, typer.Option(help="A new name.")] = None,
    api_root: Annotated[str | None, typer.Option()] = None,
    collection: Annotated[str | None, typer.Option()] = None,
    user: Annotated[str | None, typer.Option()] = None,
    secret_env: SecretEnv = None,
    secret_stdin: SecretStdin = False,
    org: Orgs = None,
    network: Networks = None,
    direction: Annotated[Direction | None, typer.Option()] = None,
    max_tlp: Annotated[TLP | None, typer.Option()] = None,
    every: Annotated[int | None, typer.Option()] = None,
    enabled: Annotated[bool | None, typer.Option("--enable/--disable")] = None,
    records: Annotated[
        WhenRemoved | None,
        typer.Option(help="When --org/--network take some off: keep or withdraw their records."),
    ] = None,
) -> None:
    """Change a peer link; --org and --network replace the lists."""
    secret = _secret(secret_env, secret_stdin)
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            peer_id = _peer_id(session, name)
            options = {
                "name": rename,
                "api_root": api_root,
                "collection_id": collection,
                "username": user,
                "secret": secret,
                "direction": direction,
                "max_push_tlp": max_tlp,
                "every_seconds": every,
                "enabled": enabled,
                "organisations": _org_ids(session, org) if org else None,
                "networks": _network_ids(session, network) if network else None,
                "records": records,
            }
            data = PeerUpdate.model_validate({k: v for k, v in options.items() if v is not None})
            changed = peers.update_peer(
                session=session, principal=SYSTEM, settings=settings, peer_id=peer_id, data=data
            )
            typer.echo(f"peer {changed.name} updated")
    except (DomainError, ValidationError) as exc:
        _failed(exc)


@peers_app.command("remove")
def remove(
    name: str,
    records: Annotated[
        WhenRemoved,
        typer.Option(help="keep: the records it brought stay; withdraw: they lose its readers."),
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a peer link; says first how many records it brought."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            peer_id = _peer_id(session, name)
            count = peers.brought(session=session, principal=SYSTEM, peer_id=peer_id)
            if records is WhenRemoved.withdraw:
                typer.echo(f"{count} records this peer brought will be withdrawn")
            else:
                typer.echo(f"{count} records this peer brought will stay, with their provenance")
            if not yes and not typer.confirm(f"Remove the peer {name}?"):
                fail("nothing removed")
            peers.remove_peer(session=session, principal=SYSTEM, peer_id=peer_id, records=records)
            typer.echo(f"peer {name} removed")
    except DomainError as exc:
        _failed(exc)


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


@peers_app.command("pull")
def pull(name: Annotated[str, typer.Argument(help="The peer's name.")]) -> None:
    """Pull a peer now, from its cursor to the end of its collection (a transaction per page,
    as the worker does); its next scheduled pull is left as it was."""
    settings = get_settings()
    try:
        with get_sessionmaker(settings.sqlalchemy_url, readonly=True)() as session:
            peer_id = peer_records.peer_named(session, name)
        result = peer_pull.pull_peer(settings, peer_id)
    except DomainError as exc:
        fail(exc.detail)
    typer.echo(
        f"{name}: {result.objects} objects in {result.pages} pages, {result.refused} refused, "
        f"{result.seconds:.1f} s"
    )
    if result.error:
        fail(result.error)
