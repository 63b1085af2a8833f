"""Organisations, networks, people and their memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.core.domains import Domain


def domain() -> Domain:
    """What organisations add: accounts, sign-in and the dashboard pages, their tables, the
    `org` and `user` commands, and the demo's organisations and people."""
    from vigil.core.domains import Domain
    from vigil.orgs import account_pages, api, auth_pages, cli, demo, models, pages

    return Domain(
        name="orgs",
        routers=(api.router, auth_pages.router, account_pages.router, pages.router),
        nav=(("/", "Dashboard", True),),
        models=(models,),
        encrypted_columns=(models.Person.totp_secret_encrypted,),
        cli=(("org", cli.org_app), ("user", cli.user_app)),
        demo=demo.load_orgs,
    )
