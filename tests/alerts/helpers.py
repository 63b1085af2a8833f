"""Sites with contacts for alert tests, written straight to the tables (the sites domain's own
factories may replace this once they exist)."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.crypto import encrypt
from vigil.orgs.models import Organisation
from vigil.sites.models import Site, SiteContact

_seq = itertools.count(1)


def make_site(
    session: Session,
    settings: Settings,
    org: Organisation,
    *,
    lat: float,
    lon: float,
    type: str = "place_of_worship",
    city: str = "",
    country: str = "",
    contacts: int = 1,
    tlp: str = "amber+strict",
) -> Site:
    n = next(_seq)
    site = Site(
        owner_org_id=org.id,
        name=f"Site {n}",
        type=type,
        city=city,
        country=country,
        lat=lat,
        lon=lon,
        tlp=tlp,
    )
    session.add(site)
    session.flush()
    for priority in range(1, contacts + 1):
        email = f"site{n}-contact{priority}@example.org"
        session.add(
            SiteContact(
                site_id=site.id,
                priority=priority,
                name=f"Contact {priority} of site {n}",
                email_encrypted=encrypt(
                    email, keys=settings.encryption_keys, secret_key=settings.secret_key
                ),
            )
        )
    session.flush()
    return site
