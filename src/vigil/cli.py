"""The `vigil` command line: run the server and worker, the database, the audit log, keys and
demo data here; each domain's own commands (`vigil org ...`) are mounted from vigil.domains."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from vigil import __version__
from vigil.core import audit
from vigil.core.cli import fail
from vigil.core.config import get_settings
from vigil.core.db import transaction
from vigil.core.migrate import upgrade_instance
from vigil.domains import DOMAINS

app = typer.Typer(help="Vigil: protecting soft targets together.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demonstration data.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys of data at rest.", no_args_is_help=True)
geo_app = typer.Typer(help="The offline gazetteer.", no_args_is_help=True)
text_app = typer.Typer(help="The offline language data.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (geo_app, "geo"),
    (text_app, "text"),
    (demo_app, "demo"),
    (audit_app, "audit"),
    (keys_app, "keys"),
):
    app.add_typer(sub, name=name)


def show_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"vigil {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """The options that come before any command (`vigil --version`)."""


for domain in DOMAINS:
    for name, sub in domain.cli():
        app.add_typer(sub, name=name)
    for name, command in domain.demo_commands():
        demo_app.command(name)(command)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Overrides VIGIL_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides VIGIL_PORT.")] = None,
    workers: Annotated[int, typer.Option(help="Processes (PostgreSQL only).")] = 1,
) -> None:
    """Run the web server."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and settings.sqlalchemy_url.startswith("sqlite"):
        fail("several server processes need PostgreSQL (VIGIL_DATABASE_URL)")
    uvicorn.run(
        "vigil.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        proxy_headers=True,
        log_config=None,
        # Pages keep a live-alert event stream open: stop waiting for them after a few seconds.
        timeout_graceful_shutdown=5,
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Exit when no job is due.")] = False,
) -> None:
    """Do background jobs from the outbox (e-mail, later alert deliveries) until stopped."""
    from vigil.worker import run_worker

    count = run_worker(get_settings(), once=once)
    if once:
        typer.echo(f"{count} job(s) done")


@geo_app.command("build-index")
def geo_build_index() -> None:
    """Build the gazetteer's index of places (run by `make install`; else built on first use)."""
    from vigil.geo.places_index import build_index, index_path

    path = index_path()
    count = build_index(path)
    typer.echo(f"{count} places indexed in {path}")


@text_app.command("build-dictionaries")
def text_build_dictionaries() -> None:
    """Build the lemma dictionaries of the languages Vigil reads (run by `make install`; else
    built on first use, which makes a new process's first report wait seconds)."""
    from vigil.core.lemmas import build_dictionaries
    from vigil.core.text_language import LANGUAGES

    path = build_dictionaries()
    typer.echo(f"{len(LANGUAGES)} dictionaries ready in {path}")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply database migrations up to REVISION."""
    upgrade_instance(get_settings(), revision)
    typer.echo(f"database at {revision}")


@demo_app.command("load")
def demo_load() -> None:
    """Load demonstration organisations, networks, people and records (idempotent)."""
    from vigil.demo import load_demo

    settings = get_settings()
    logins = load_demo(settings)
    typer.echo("Demo logins (password for all: see below):")
    for email, role in logins.people:
        typer.echo(f"  {email:<36} {role}")
    typer.echo(f"  password: {logins.password}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain and unsealed entries; names every forged, edited or
    deleted entry."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            audit.seal(session, key=settings.audit_key, data_dir=settings.data_dir)
        with transaction(settings.sqlalchemy_url) as session:
            checked, findings = audit.verify(
                session, key=settings.audit_key, data_dir=settings.data_dir
            )
    except ValueError as exc:  # SQLite stores whatever a row is given, e.g. a date that is not one
        unreadable = f"TAMPERED a row Vigil did not write cannot be read: {exc}"
        typer.secho(unreadable, fg=typer.colors.RED)
        sys.exit(1)
    for finding in findings:
        typer.secho(f"TAMPERED {finding}", fg=typer.colors.RED)
    if findings:
        typer.echo(f"{checked} entries checked, {len(findings)} problem(s)")
        sys.exit(1)
    typer.echo(f"{checked} entries checked, chain intact")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt all data at rest with the first key of VIGIL_ENCRYPTION_KEYS."""
    from vigil.core.crypto import rotate_column
    from vigil.models import ENCRYPTED_COLUMNS

    settings = get_settings()
    with transaction(settings.sqlalchemy_url) as session:
        for column in ENCRYPTED_COLUMNS:
            count = rotate_column(
                session, column, keys=settings.encryption_keys, secret_key=settings.secret_key
            )
            typer.echo(f"{column.class_.__tablename__}.{column.key}: {count} re-encrypted")
        audit.record(session, action="keys.rotate", actor="system")
