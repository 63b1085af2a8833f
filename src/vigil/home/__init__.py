"""Home: the dashboard at `/`, where what the domains share with you comes together. It sits
above every domain (it reads their services), so that none of them imports another for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from vigil.core.domains import Domain

if TYPE_CHECKING:
    from fastapi import APIRouter


class Home(Domain):
    """The dashboard page."""

    name = "home"
    nav = (("/", "Dashboard"),)

    def routers(self) -> Sequence[APIRouter]:
        from vigil.home import pages

        return (pages.router,)


DOMAIN = Home()
