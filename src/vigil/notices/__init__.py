"""Security notices: short shareable messages (e.g. "raised threat over the holidays")."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.core.domains import Domain


def domain() -> Domain:
    """What notices add: their API and pages, table and demo notices."""
    from vigil.core.domains import Domain
    from vigil.notices import api, demo, models, pages

    return Domain(
        name="notices",
        routers=(api.router, pages.router),
        nav=(("/notices", "Notices", True),),
        models=(models,),
        demo=demo.load_notices,
    )
