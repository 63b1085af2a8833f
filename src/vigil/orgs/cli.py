"""`vigil org ...` and `vigil user ...`: organisations and people from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from vigil.core.cli import fail
from vigil.core.config import get_settings
from vigil.core.db import transaction
from vigil.core.errors import DomainError
from vigil.core.policy import SYSTEM, Role
from vigil.orgs import accounts, tokens
from vigil.orgs import service as orgs_service
from vigil.orgs.models import OrgKind
from vigil.orgs.schemas import OrganisationCreate

org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
user_app = typer.Typer(help="People and their accounts.", no_args_is_help=True)


@org_app.command("create")
def org_create(
    slug: str,
    name: str,
    kind: Annotated[OrgKind, typer.Option(help="Kind of organisation.")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country code.")],
    parent: Annotated[str | None, typer.Option(help="Slug of the parent organisation.")] = None,
) -> None:
    """Create an organisation."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            parent_id = None
            if parent:
                parent_id = orgs_service.get_organisation(
                    session=session, principal=SYSTEM, ref=parent
                ).id
            data = OrganisationCreate(
                slug=slug, name=name, kind=kind, country=country, parent_id=parent_id
            )
            org = orgs_service.create_organisation(session=session, principal=SYSTEM, data=data)
            typer.echo(f"organisation {org.slug} created (id {org.id})")
    except (DomainError, ValueError) as exc:
        fail(str(exc))


@user_app.command("create")
def user_create(
    email: str,
    name: str,
    org: Annotated[str | None, typer.Option(help="Slug of an organisation to join.")] = None,
    role: Annotated[Role, typer.Option(help="Role in that organisation.")] = Role.viewer,
    platform_admin: Annotated[bool, typer.Option(help="Make a platform administrator.")] = False,
    password: Annotated[
        str | None, typer.Option(help="Password; asked for when not given.", hide_input=True)
    ] = None,
) -> None:
    """Create a person (and optionally a membership)."""
    settings = get_settings()
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with transaction(settings.sqlalchemy_url) as session:
            person = accounts.create_person(
                session=session,
                settings=settings,
                email=email,
                name=name,
                password=password,
                is_platform_admin=platform_admin,
            )
            if org:
                found = orgs_service.get_organisation(session=session, principal=SYSTEM, ref=org)
                orgs_service.add_member(
                    session=session, principal=SYSTEM, org_id=found.id, person=person, role=role
                )
            typer.echo(f"person {person.email} created (id {person.id})")
    except DomainError as exc:
        fail(str(exc))


@user_app.command("token")
def user_token(
    email: str,
    name: Annotated[str, typer.Option(help="What the token is for, e.g. the partner's name.")],
) -> None:
    """Issue an API token for a person and print it once (e.g. for a partner's peer link)."""
    settings = get_settings()
    try:
        with transaction(settings.sqlalchemy_url) as session:
            secret = tokens.issue_for(session=session, principal=SYSTEM, email=email, name=name)
    except DomainError as exc:
        fail(str(exc))
    typer.echo(secret)
