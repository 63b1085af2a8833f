"""JSON API of sites: list, create, read, edit, contacts, events, CSV import and exports (the
incidents around a site are the incidents API's: incidents.api).

The export routes come before `/sites/{site_id}` so `export.csv` is never read as an id.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.core.errors import Forbidden
from vigil.core.transfer import UploadDep, add_export_routes
from vigil.sites import service, transfer
from vigil.sites.calendar import event_read
from vigil.sites.schemas import (
    ContactRead,
    ContactsPut,
    EventCreate,
    EventRead,
    Occurrence,
    SiteCreate,
    SiteFilters,
    SiteListQuery,
    SiteNear,
    SitePage,
    SiteRead,
    SiteUpdate,
)

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Radius = Annotated[float, Query(ge=0, le=service.MAX_RADIUS_KM, allow_inf_nan=False)]
DEFAULT_RADIUS_KM = 2.0


add_export_routes(
    router,
    transfer.EXPORT,
    path="/export",
    filters=SiteFilters,
    descriptions={
        "csv": "The sites you may see as CSV (analysts), with the list's filters; never contacts.",
        "geojson": "The sites you may see as a GeoJSON FeatureCollection (analysts), filtered.",
    },
)


@router.post("/import", response_model=transfer.SiteImportReport)
def import_sites(
    session: SessionDep, principal: PrincipalDep, settings: SettingsDep, upload: UploadDep
) -> transfer.SiteImportReport:
    """Import CSV as coordinator: a dry run lists each row's errors; a commit is all or none."""
    return transfer.import_sites(
        session=session, principal=principal, settings=settings, upload=upload
    )


@router.get("", response_model=SitePage)
def list_sites(
    session: SessionDep, principal: PrincipalDep, query: Annotated[SiteListQuery, Query()]
) -> SitePage:
    """Sites you may see, by name, with filters and text search."""
    filters = SiteFilters(**query.model_dump(exclude={"limit", "offset"}))
    return service.list_sites(
        session=session,
        principal=principal,
        filters=filters,
        limit=query.limit,
        offset=query.offset,
    )


@router.get("/near", response_model=list[SiteNear])
def sites_near(
    session: SessionDep,
    principal: PrincipalDep,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    radius_km: Radius = DEFAULT_RADIUS_KM,
) -> list[SiteNear]:
    """Sites you may see within a radius of a point, nearest first."""
    found = service.sites_within(
        session=session, principal=principal, lat=lat, lon=lon, radius_km=radius_km
    )
    reads = service.site_reads(session, principal, [s for s, _ in found])
    return [
        SiteNear(site=r, distance_km=round(km, 3)) for r, (_, km) in zip(reads, found, strict=True)
    ]


@router.post("", response_model=SiteRead, status_code=201)
def create_site(data: SiteCreate, session: SessionDep, principal: PrincipalDep) -> SiteRead:
    """Register a site for your organisation (analyst or higher)."""
    site = service.create_site(session=session, principal=principal, data=data)
    return service.read_site(session=session, principal=principal, site_id=site.id)


@router.get("/{site_id}", response_model=SiteRead)
def get_site(site_id: Id, session: SessionDep, principal: PrincipalDep) -> SiteRead:
    """One site, if it is shared with you."""
    return service.read_site(session=session, principal=principal, site_id=site_id)


@router.patch("/{site_id}", response_model=SiteRead)
def update_site(
    site_id: Id, data: SiteUpdate, session: SessionDep, principal: PrincipalDep
) -> SiteRead:
    """Edit a site (analysts of its organisation); lowering its TLP needs a coordinator."""
    service.update_site(session=session, principal=principal, site_id=site_id, data=data)
    return service.read_site(session=session, principal=principal, site_id=site_id)


@router.get("/{site_id}/contacts", response_model=list[ContactRead])
def get_contacts(
    site_id: Id, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> list[ContactRead]:
    """The site's contacts by priority (analysts and above of its organisation only)."""
    site = service.get_site(session=session, principal=principal, site_id=site_id)
    if not service.may_see_contacts(principal, site):
        raise Forbidden("Contacts are shown to analysts and above of the site's organisation.")
    return service.site_contacts(
        session=session, principal=principal, settings=settings, site_id=site_id
    )


@router.put("/{site_id}/contacts", response_model=list[ContactRead])
def put_contacts(
    site_id: Id,
    data: ContactsPut,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> list[ContactRead]:
    """Replace the contacts; the list's order is the priority (the first is called first)."""
    return service.set_contacts(
        session=session,
        principal=principal,
        settings=settings,
        site_id=site_id,
        contacts=data.contacts,
    )


@router.get("/{site_id}/events", response_model=list[EventRead])
def list_events(site_id: Id, session: SessionDep, principal: PrincipalDep) -> list[EventRead]:
    """The site's calendar of high-attendance events, as entered."""
    return service.list_events(session=session, principal=principal, site_id=site_id)


@router.post("/{site_id}/events", response_model=EventRead, status_code=201)
def add_event(
    site_id: Id, data: EventCreate, session: SessionDep, principal: PrincipalDep
) -> EventRead:
    """Add an event, once or repeating weekly or yearly (analysts of the site's organisation)."""
    event = service.add_event(session=session, principal=principal, site_id=site_id, data=data)
    return event_read(event)


@router.get("/{site_id}/upcoming", response_model=list[Occurrence])
def upcoming(
    site_id: Id,
    session: SessionDep,
    principal: PrincipalDep,
    days: Annotated[int, Query(ge=0, le=366)] = 30,
) -> list[Occurrence]:
    """The occurrences of the site's events in the coming days, repeats expanded."""
    site = service.get_site(session=session, principal=principal, site_id=site_id)
    return service.upcoming_events(
        session=session, site_id=site.id, now=dt.datetime.now(dt.UTC), days=days
    )
