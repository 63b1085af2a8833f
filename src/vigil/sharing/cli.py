"""`vigil sharing ...`: what an operator needs to keep this instance's STIX ids stable and
its TAXII store full, and to import a partner's STIX bundle into an organisation; and
`vigil demo partner`, the tour's second instance (`make partner`, sharing.demo_partner)."""

from __future__ import annotations

import contextlib
import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from vigil.core.cli import fail
from vigil.core.config import environment_with, get_settings
from vigil.core.db import transaction
from vigil.core.errors import DomainError
from vigil.core.policy import SYSTEM
from vigil.orgs import service as orgs_service
from vigil.sharing import demo_partner as demo_partner_module
from vigil.sharing import imports, store
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


@sharing_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="A STIX 2.1 bundle (JSON).", exists=True)],
    org: Annotated[str, typer.Option(help="Id or slug of the organisation importing.")],
) -> None:
    """Import a STIX 2.1 bundle into an organisation, all or nothing, as the operator (audited
    as the command line). TLP:RED objects need the person they were given to: use the page."""
    settings = get_settings()
    size = file.stat().st_size
    if size > settings.stix_import_max_bytes:
        fail(
            f"{file} is {size:,} bytes; at most {settings.stix_import_max_bytes:,} are imported "
            "(VIGIL_STIX_IMPORT_MAX_BYTES): split it"
        )
    raw = file.read_bytes()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            ref: int | str = int(org) if org.isdigit() else org
            found = orgs_service.get_organisation(session=session, principal=SYSTEM, ref=ref)
            if found.remote:
                fail(f"{found.name} is a remote organisation: records are imported by local ones")
            operator = dataclasses.replace(SYSTEM, acting_org_id=found.id)
            result = imports.import_bundle(
                session=session, settings=settings, principal=operator, raw=raw, filename=file.name
            )
    except DomainError as exc:
        problems = [str(e.get("message")) for e in exc.errors()[1:]]
        fail("\n".join([exc.detail, *problems]))
    counts = ", ".join(f"{n} {outcome.value}" for outcome, n in result.counts.items())
    typer.echo(f"import {result.id}: {result.object_count} objects ({counts})")
    for kept in result.kept:
        typer.echo(f"kept raw: {kept.stix_id}")


def demo_partner(
    directory: Annotated[
        Path | None, typer.Option(help="The partner's data directory (default DATA_DIR/partner).")
    ] = None,
    port: Annotated[int, typer.Option(help="The partner's port.")] = demo_partner_module.PORT,
    serve_it: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the partner once it is set up.")
    ] = True,
) -> None:
    """The tour's second instance: the Berlin police's own Vigil, linked to this one (which must
    be serving, `make run`) by a pull peer; set up (again: idempotent), pulled, then served."""
    settings = get_settings()
    target = directory or settings.data_dir / "partner"
    try:
        partner = demo_partner_module.set_up(settings, target, port=port)
    except demo_partner_module.PartnerError as exc:
        fail(str(exc))
    typer.echo("\n".join(demo_partner_module.describe(partner)))
    if not serve_it:
        return
    if demo_partner_module.serving(partner.url):
        typer.echo(f"The partner already serves at {partner.url}.")
        return
    typer.echo(f"\nThe partner is starting on {partner.url}  (Ctrl+C stops it)")
    command = [sys.executable, "-m", "vigil", "serve"]
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(command, env=environment_with(partner.env), check=False)  # noqa: S603
