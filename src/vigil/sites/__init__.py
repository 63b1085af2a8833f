"""Sites: the soft targets Vigil protects, with their perimeters, contacts and event calendars."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.core.domains import Domain


def domain() -> Domain:
    """What sites add: their API and pages, tables, encrypted contacts and demo sites."""
    from vigil.core.domains import Domain
    from vigil.sites import api, demo, models, pages

    return Domain(
        name="sites",
        routers=(api.router, pages.router),
        nav=(("/sites", "Sites", True),),
        models=(models,),
        encrypted_columns=(models.SiteContact.email_encrypted, models.SiteContact.phone_encrypted),
        demo=demo.load_sites,
    )
