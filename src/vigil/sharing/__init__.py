"""Sharing: Vigil's records as STIX 2.1 under TLP 2.0, read through the same access policy as
everything else, at each organisation's sharing profile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from vigil.core.domains import Domain

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from vigil.core.jobs import Handler, PeriodicTask


class Sharing(Domain):
    """Sharing profiles, the STIX export and its preview, the TAXII 2.1 server and its store."""

    name = "sharing"

    def routers(self) -> Sequence[APIRouter]:
        from vigil.sharing import api, import_pages, imports_api, taxii_api

        return (api.router, taxii_api.router, imports_api.router, import_pages.router)

    def models(self) -> Sequence[ModuleType]:
        from vigil.sharing import import_models, models

        return (models, import_models)

    def job_handlers(self) -> Mapping[str, Handler]:
        from vigil.sharing import store

        return {store.REFRESH_ORG_JOB: store.refresh_organisation}

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        from vigil.sharing import store

        return store.PERIODIC_TASKS

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.sharing import cli

        return (("sharing", cli.sharing_app),)


DOMAIN = Sharing()
