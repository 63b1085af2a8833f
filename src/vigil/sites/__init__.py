"""Sites: the soft targets Vigil protects, with their perimeters, contacts and event calendars."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from vigil.core.domains import DemoData, Domain

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlalchemy.orm import InstrumentedAttribute, Session


class Sites(Domain):
    """Sites with their contacts and events: API and pages, and the demo's sites."""

    name = "sites"
    nav = (("/sites", "Sites"),)

    def routers(self) -> Sequence[APIRouter]:
        from vigil.sites import api, pages

        return (api.router, pages.router)

    def models(self) -> Sequence[ModuleType]:
        from vigil.sites import models

        return (models,)

    def encrypted_columns(self) -> Sequence[InstrumentedAttribute[Any]]:
        from vigil.sites.models import SiteContact

        return (SiteContact.email_encrypted, SiteContact.phone_encrypted)

    def load_demo(self, session: Session, demo: DemoData) -> None:
        from vigil.sites.demo import load_sites

        load_sites(session, demo)


DOMAIN = Sites()
