"""The incidents' part of a site's page (sites.parts): the incidents around the site within the
radius the reader chose, in the last year, as a section and as points on the site's map."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from vigil.core.policy import Principal
from vigil.incidents import queries
from vigil.sites.parts import SitePart
from vigil.sites.schemas import SiteRead

INCIDENT_DAYS = 365
INCIDENTS_SHOWN = 50


def incidents_around(
    *,
    session: Session,
    principal: Principal,
    site: SiteRead,
    radius_km: float,
    now: dt.datetime,
) -> SitePart:
    near = queries.incidents_near(
        session=session, principal=principal, site=site, radius_km=radius_km,
        since=now - dt.timedelta(days=INCIDENT_DAYS), limit=INCIDENTS_SHOWN,
    )  # fmt: skip
    reads = queries.incident_reads(
        session=session, principal=principal, incidents=[i for i, _ in near]
    )
    incidents = [(read, km) for read, (_, km) in zip(reads, near, strict=True)]
    points = [
        {
            "id": i.id,
            "lat": i.place.lat,
            "lon": i.place.lon,
            "title": i.title,
            "url": f"/incidents/{i.id}",
        }  # fmt: skip
        for i, _ in incidents
        if i.place.lat is not None and i.place.lon is not None
    ]
    return SitePart(
        template="incidents/_site_incidents.html",
        context={"incidents": incidents, "days": INCIDENT_DAYS},
        points=points,
    )
