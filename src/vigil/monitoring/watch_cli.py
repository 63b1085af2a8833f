"""`vigil monitoring watches ...`: an organisation's watches from the command line, acting as
one of its members (coordinators add and remove, members list). `watches_app` is mounted under
the monitoring command group."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from vigil.core.cli import fail
from vigil.core.config import get_settings
from vigil.core.db import transaction
from vigil.core.errors import DomainError
from vigil.core.policy import SYSTEM, Principal
from vigil.monitoring import watches
from vigil.monitoring.models import WatchKind
from vigil.monitoring.watch_schemas import WatchCreate
from vigil.orgs import accounts
from vigil.orgs import service as orgs_service

watches_app = typer.Typer(help="What an organisation watches in the news.", no_args_is_help=True)

OrgOption = Annotated[str, typer.Option(help="Id or slug of the organisation.")]
ByOption = Annotated[str, typer.Option(help="E-mail of a member of it: the command acts as them.")]


def _acting(session: Session, org: str, by: str) -> Principal:
    person = accounts.person_by_email(session, by)
    if person is None:
        fail(f"nobody has the e-mail address {by}")
    ref: int | str = int(org) if org.isdigit() else org
    found = orgs_service.get_organisation(session=session, principal=SYSTEM, ref=ref)
    return dataclasses.replace(accounts.principal_for(session, person.id), acting_org_id=found.id)


@watches_app.command("list")
def list_watches(org: OrgOption, by: ByOption) -> None:
    """The organisation's watches, one a line: id, kind, what, radius."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            principal = _acting(session, org, by)
            for watch in watches.list_watches(session=session, principal=principal):
                read = watches.watch_read(watch)
                what = read.value or ", ".join(read.aliases) or "-"
                where = f" site {read.site_id}" if read.site_id else ""
                point = f" at {read.lat:.5f},{read.lon:.5f}" if read.lat is not None else ""
                radius = f" within {read.radius_km:g} km" if read.kind != WatchKind.term else ""
                typer.echo(f"{read.id}\t{read.kind.value}\t{what}{where}{point}{radius}")
    except DomainError as exc:
        fail(exc.detail)


@watches_app.command("add")
def add_watch(
    kind: Annotated[WatchKind, typer.Argument(help="term, place or site.")],
    org: OrgOption,
    by: ByOption,
    value: Annotated[str, typer.Option(help="The term, or the place's name.")] = "",
    lat: Annotated[float | None, typer.Option(help="Latitude of a watched place.")] = None,
    lon: Annotated[float | None, typer.Option(help="Longitude of a watched place.")] = None,
    radius_km: Annotated[float, typer.Option(help="Radius around the place or site.")] = 2.0,
    site: Annotated[int | None, typer.Option(help="Id of the site (kind site).")] = None,
    alias: Annotated[
        list[str] | None, typer.Option(help="Another name of the site (repeat).")
    ] = None,
) -> None:
    """Watch a term, a place or a site's aliases, audited as the coordinator named by --by."""
    settings = get_settings()
    try:
        data = WatchCreate(
            kind=kind,
            value=value,
            lat=lat,
            lon=lon,
            radius_km=radius_km,
            site_id=site,
            aliases=alias or [],
        )
    except ValidationError as exc:
        fail("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))
    try:
        with transaction(settings.sqlalchemy_url) as session:
            principal = _acting(session, org, by)
            watch = watches.create_watch(session=session, principal=principal, data=data)
            typer.echo(f"watch {watch.id} ({watch.kind}) added")
    except DomainError as exc:
        fail(exc.detail)


@watches_app.command("remove")
def remove_watch(
    watch_id: Annotated[int, typer.Argument(help="Id of the watch.")], org: OrgOption, by: ByOption
) -> None:
    """Stop watching it, audited as the coordinator named by --by."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            principal = _acting(session, org, by)
            watches.delete_watch(session=session, principal=principal, watch_id=watch_id)
            typer.echo(f"watch {watch_id} removed")
    except DomainError as exc:
        fail(exc.detail)
