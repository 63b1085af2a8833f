"""Organisations, networks, people and their memberships."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vigil.core.domains import DemoData, Domain

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import InstrumentedAttribute, Session

    from vigil.core.identity import Identities


class Orgs(Domain):
    """Organisations, networks and people: accounts, sign-in and the organisation pages, the
    `org` and `user` commands, and the demo's organisations and people."""

    name = "orgs"

    def routers(self) -> Sequence[APIRouter]:
        from vigil.orgs import (
            account_pages,
            api,
            auth_pages,
            cost_band_pages,
            erasure_api,
            erasure_pages,
            members_api,
            oidc_pages,
            pages,
        )

        return (
            api.router,
            members_api.router,
            erasure_api.router,
            auth_pages.router,
            oidc_pages.router,
            account_pages.router,
            pages.router,
            erasure_pages.router,
            cost_band_pages.router,
        )

    def models(self) -> Sequence[ModuleType]:
        from vigil.orgs import models

        return (models,)

    def identities(self) -> Identities:
        from vigil.orgs import principals

        return principals

    def encrypted_columns(self) -> Sequence[InstrumentedAttribute[Any]]:
        from vigil.orgs.models import IdentityProvider, Person

        return (Person.totp_secret_encrypted, IdentityProvider.client_secret_encrypted)

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.orgs import cli

        return (("org", cli.org_app), ("user", cli.user_app))

    def load_demo(self, session: Session, demo: DemoData) -> None:
        from vigil.orgs.demo import load_orgs

        load_orgs(session, demo)


DOMAIN = Orgs()
