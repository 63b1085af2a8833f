"""`vigil alerts feeds ...`: an operator's view of the organisations' subscriptions to CAP feeds:
add one for a coordinator, list them with their health, remove one, poll now."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from vigil.alerts import feed_polling, feed_subscriptions
from vigil.alerts.feed_schemas import FeedArea, FeedCreate
from vigil.core.cli import fail
from vigil.core.config import get_settings
from vigil.core.db import transaction
from vigil.core.errors import DomainError
from vigil.core.pages import parse_form
from vigil.core.policy import SYSTEM
from vigil.orgs import accounts
from vigil.orgs import service as orgs_service

alerts_app = typer.Typer(help="CAP alerts.", no_args_is_help=True)
feeds_app = typer.Typer(help="Subscriptions to CAP feeds of peers and authorities.")
alerts_app.add_typer(feeds_app, name="feeds", no_args_is_help=True)


@feeds_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The Atom or RSS feed linking or holding CAP.")],
    org: Annotated[str, typer.Option(help="Id or slug of the subscribing organisation.")],
    by: Annotated[str, typer.Option(help="E-mail of a coordinator of it: the rule acts as them.")],
    name: Annotated[str, typer.Option(help="What the feed is called on pages.")] = "",
    every_seconds: Annotated[int, typer.Option(help="How often it is polled.")] = 300,
    auto_relay: Annotated[bool, typer.Option(help="Relay what the rule matches at once.")] = False,
    min_severity: Annotated[str, typer.Option(help="Extreme, Severe, Moderate or Minor.")] = "",
    area: Annotated[FeedArea, typer.Option(help="sites: only what reaches a site.")] = FeedArea.any,
    sender: Annotated[
        list[str] | None, typer.Option(help="A CAP sender to relay (repeat).")
    ] = None,
) -> None:
    """Subscribe an organisation to a CAP feed, audited as the coordinator named by --by."""
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
                FeedCreate,
                name=name or url,
                url=url,
                every_seconds=every_seconds,
                auto_relay=auto_relay,
                min_severity=min_severity or None,
                area=area,
                senders=sender or [],
            )
            feed = feed_subscriptions.add_feed(
                session=session, principal=principal, settings=settings, data=data
            )
            typer.echo(f"feed {feed.id}: {feed.name} ({feed.url}) for {found.name}")
    except DomainError as exc:
        fail(exc.detail)


@feeds_app.command("list")
def list_feeds() -> None:
    """Every subscription: organisation, address, last poll, last error, counts."""
    settings = get_settings()
    with transaction(settings.sqlalchemy_url) as session:
        for feed in feed_subscriptions.list_feeds(session=session, principal=SYSTEM):
            read = feed_subscriptions.feed_read(session, feed)
            polled = (
                read.last_poll_at.isoformat(timespec="seconds") if read.last_poll_at else "never"
            )
            state = "on" if read.enabled else "off"
            rule = " auto-relay" if read.auto_relay else ""
            typer.echo(
                f"{read.id}\torg {read.org_id}\t{state}{rule}\t{read.name}\t{read.url}\t"
                f"polled {polled}\t{read.imported_count} imported, {read.relayed_count} relayed"
                + (f"\terror: {read.last_error}" if read.last_error else "")
            )


@feeds_app.command("remove")
def remove(feed_id: Annotated[int, typer.Argument(help="The subscription's id.")]) -> None:
    """Unsubscribe (audited as the command line); the drafts it brought stay."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            feed_subscriptions.remove_feed(session=session, principal=SYSTEM, feed_id=feed_id)
    except DomainError as exc:
        fail(exc.detail)
    typer.echo(f"feed {feed_id} removed")


@feeds_app.command("poll")
def poll(
    feed_id: Annotated[
        int | None, typer.Argument(help="One subscription; all due if left out.")
    ] = None,
) -> None:
    """Poll one subscription now, or every one that is due (what the worker does)."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            if feed_id is None:
                feed_polling.poll_due(session, settings)
                typer.echo("due feeds polled")
                return
            result = feed_polling.poll_now(
                session=session, principal=SYSTEM, settings=settings, feed_id=feed_id
            )
    except DomainError as exc:
        fail(exc.detail)
    typer.echo(
        f"{result.imported} imported, {result.relayed} relayed, {result.known} known, "
        f"{result.rejected} rejected" + (f"; error: {result.error}" if result.error else "")
    )
    if result.error:
        raise typer.Exit(1)
