"""What the compose map (static/alert-map.js) fetches to help aim an alert: the sites its
coordinator may read, as markers, and the names of places at city zoom (the map has no tiles,
so no names of its own). JSON for the page's script; signed-in only, like the page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from vigil.core.deps import SessionDep
from vigil.core.errors import Invalid, problem
from vigil.core.localisation import gettext_for, locale_of
from vigil.core.pages import SignedInDep, page_router, tr
from vigil.geo.labels import parse_bounds, parse_limit, parse_zoom, places_in
from vigil.sites import service as sites_service

router = page_router()

MOST_MARKERS = 2_000  # by name; a map of more sites needs a server-side clustering


@router.get("/alerts/map/sites")
def map_sites(session: SessionDep, viewer: SignedInDep) -> Response:
    """The sites the viewer may read (as the sites list reads them), for the map's markers."""
    page = sites_service.list_sites(session=session, principal=viewer.principal, limit=MOST_MARKERS)
    sites = [
        {"id": s.id, "name": s.name, "type": s.type.value, "lat": s.lat, "lon": s.lon,
         "url": f"/sites/{s.id}"}
        for s in page.items
    ]  # fmt: skip
    return JSONResponse({"sites": sites, "total": page.total})


@router.get("/alerts/map/places")
def map_places(
    request: Request, viewer: SignedInDep, bbox: str = "", zoom: str = "", limit: str = ""
) -> Response:
    """The most populous places inside `bbox` (west,south,east,north) for `zoom`, at most
    `limit` (60); bad bounds are a problem+json 422 that names the field."""
    try:
        bounds, level, most = parse_bounds(bbox), parse_zoom(zoom), parse_limit(limit)
    except Invalid as exc:
        detail = exc.shown(gettext_for(locale_of(request)))
        title = tr(request, "Invalid input")
        return problem(422, title, detail, instance=request.url.path, errors=exc.errors())
    places = [
        {"name": c.name, "lat": c.lat, "lon": c.lon, "population": c.population}
        for c in places_in(bounds, zoom=level, limit=most)
    ]
    return JSONResponse({"places": places})
