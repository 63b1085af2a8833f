"""Security notices: short shareable messages (e.g. "raised threat over the holidays")."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from vigil.core.domains import DemoData, Domain

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlalchemy.orm import Session


class Notices(Domain):
    """Security notices: their API and pages, and the demo's notices."""

    name = "notices"
    nav = (("/notices", "Notices"),)

    def routers(self) -> Sequence[APIRouter]:
        from vigil.notices import api, pages

        return (api.router, pages.router)

    def models(self) -> Sequence[ModuleType]:
        from vigil.notices import models

        return (models,)

    def load_demo(self, session: Session, demo: DemoData) -> None:
        from vigil.notices.demo import load_notices

        load_notices(session, demo)


DOMAIN = Notices()
