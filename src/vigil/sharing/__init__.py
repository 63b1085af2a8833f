"""Sharing: Vigil's records as STIX 2.1 under TLP 2.0, read through the same access policy as
everything else, at each organisation's sharing profile."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vigil.core.domains import Domain

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter
    from sqlalchemy.orm import InstrumentedAttribute

    from vigil.core.jobs import Handler, PeriodicTask
    from vigil.core.metrics import ScrapeGauge


class Sharing(Domain):
    """Sharing profiles, the STIX export and its preview (on the incident page too), the TAXII
    2.1 server and its store, STIX import, and the sharing page."""

    name = "sharing"
    nav = (("/sharing", "Sharing"),)

    def routers(self) -> Sequence[APIRouter]:
        from vigil.sharing import (
            api,
            import_pages,
            imports_api,
            pages,
            peer_pages,
            peers_api,
            taxii_api,
        )

        return (
            api.router,
            taxii_api.router,
            imports_api.router,
            peers_api.router,
            pages.router,
            import_pages.router,
            peer_pages.router,
        )

    def models(self) -> Sequence[ModuleType]:
        from vigil.sharing import import_models, models, peer_models

        return (models, import_models, peer_models)

    def encrypted_columns(self) -> Sequence[InstrumentedAttribute[Any]]:
        from vigil.sharing.peer_models import Peer

        return (Peer.secret_encrypted,)

    def job_handlers(self) -> Mapping[str, Handler]:
        from vigil.sharing import peer_pull, peer_push, store

        return {
            store.REFRESH_ORG_JOB: store.refresh_organisation,
            peer_push.PUSH_JOB: peer_push.push_job,
            peer_pull.PULL_JOB: peer_pull.pull_job,
        }

    def periodic_tasks(self) -> Sequence[PeriodicTask]:
        from vigil.sharing import peer_pull, peer_push, store

        return (*store.PERIODIC_TASKS, *peer_push.PERIODIC_TASKS, *peer_pull.PERIODIC_TASKS)

    def scrape_gauges(self) -> Sequence[ScrapeGauge]:
        from vigil.sharing import peer_pull

        return peer_pull.SCRAPE_GAUGES

    def page_parts(self) -> Mapping[str, Any]:
        from vigil.incidents.parts import INCIDENT_PAGE
        from vigil.incidents.provenance import CHANNELS
        from vigil.sharing.incident_part import stix_preview
        from vigil.sharing.provenance import channels_of

        return {INCIDENT_PAGE: stix_preview, CHANNELS: channels_of}

    def cli(self) -> Sequence[tuple[str, typer.Typer]]:
        from vigil.sharing import cli, peer_cli

        return (("sharing", cli.sharing_app), ("peers", peer_cli.peers_app))

    def demo_commands(self) -> Sequence[tuple[str, Callable[..., None]]]:
        from vigil.sharing import cli

        return (("partner", cli.demo_partner),)


DOMAIN = Sharing()
