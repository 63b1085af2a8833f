"""`vigil monitoring ...`: an operator's view of the organisations' monitoring sources (add one
for a coordinator, list them with their health, remove one, poll now) and the retention purge."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from vigil.core.cli import fail
from vigil.core.config import get_settings
from vigil.core.db import transaction
from vigil.core.errors import DomainError
from vigil.core.pages import parse_form
from vigil.core.policy import SYSTEM
from vigil.monitoring import polling, sources
from vigil.monitoring.models import SourceKind
from vigil.monitoring.source_schemas import SourceCreate
from vigil.monitoring.watch_cli import watches_app
from vigil.orgs import accounts
from vigil.orgs import service as orgs_service

monitoring_app = typer.Typer(help="Open-source monitoring.", no_args_is_help=True)
sources_app = typer.Typer(help="Monitoring sources of the organisations.")
monitoring_app.add_typer(sources_app, name="sources", no_args_is_help=True)
monitoring_app.add_typer(watches_app, name="watches", no_args_is_help=True)


@sources_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The feed, listing page or article address.")],
    org: Annotated[str, typer.Option(help="Id or slug of the organisation.")],
    by: Annotated[str, typer.Option(help="E-mail of a coordinator of it (audited as them).")],
    name: Annotated[str, typer.Option(help="What the source is called on pages.")] = "",
    kind: Annotated[SourceKind, typer.Option(help="feed, listing, url or upload.")] = (
        SourceKind.feed
    ),
    every_seconds: Annotated[int, typer.Option(help="How often it is polled.")] = 900,
    language: Annotated[str, typer.Option(help="Its usual language, e.g. de.")] = "",
) -> None:
    """Add a monitoring source for an organisation, as the coordinator named by --by."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            person = accounts.person_by_email(session, by)
            if person is None:
                fail(f"nobody has the e-mail address {by}")
            ref: int | str = int(org) if org.isdigit() else org
            found = orgs_service.get_organisation(session=session, principal=SYSTEM, ref=ref)
            principal = dataclasses.replace(
                accounts.principal_for(session, person.id), acting_org_id=found.id
            )
            data = parse_form(
                SourceCreate,
                name=name or url or "uploads",
                kind=kind,
                url="" if kind == SourceKind.upload else url,
                every_seconds=every_seconds,
                language=language,
            )
            source = sources.create_source(
                session=session, principal=principal, settings=settings, data=data
            )
            typer.echo(f"source {source.id}: {source.name} ({source.kind}) for {found.name}")
    except DomainError as exc:
        fail(exc.detail)


@sources_app.command("list")
def list_sources() -> None:
    """Every organisation's sources with their health."""
    settings = get_settings()
    with transaction(settings.sqlalchemy_url) as session:
        for source in sources.list_sources(session=session, principal=SYSTEM):
            error = f"  error: {source.last_error}" if source.last_error else ""
            typer.echo(
                f"{source.id}\torg {source.owner_org_id}\t{source.kind}\t{source.health}\t"
                f"{source.article_count} articles\t{source.name}\t{source.url}{error}"
            )


@sources_app.command("remove")
def remove(source_id: Annotated[int, typer.Argument(help="The source's id.")]) -> None:
    """Remove a source with its articles."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            sources.remove_source(session=session, principal=SYSTEM, source_id=source_id)
    except DomainError as exc:
        fail(exc.detail)
    typer.echo(f"source {source_id} removed")


@sources_app.command("poll")
def poll(
    source_id: Annotated[
        int | None, typer.Argument(help="One source; every due one if left out.")
    ] = None,
) -> None:
    """Poll one source now, or queue a poll of every due one (what the worker does)."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            if source_id is None:
                polling.poll_due_sources(session, settings)
                typer.echo("polls of the due sources queued for the worker")
                return
            result = polling.poll_source(
                session=session, principal=SYSTEM, settings=settings, source_id=source_id
            )
    except DomainError as exc:
        fail(exc.detail)
    typer.echo(
        f"{result.new_articles} new articles, {result.known} known"
        + (f"; error: {result.error}" if result.error else "")
    )
    if result.error:
        raise typer.Exit(1)


@monitoring_app.command("purge")
def purge() -> None:
    """Empty the text of articles older than VIGIL_MONITORING_TEXT_DAYS (what the worker
    does every hour with the other retention periods); titles, addresses, dates and stories
    stay."""
    settings = get_settings()
    with transaction(settings.sqlalchemy_url) as session:
        emptied = polling.purge_text(session, settings)
    typer.echo(f"text of {emptied} articles emptied (kept {settings.monitoring_text_days} days)")
