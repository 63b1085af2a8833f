"""HTML pages of sites: the list with its map, the create and edit forms (a point from the map
pin, coordinates or the offline place lookup), and one site with its contacts, upcoming
high-attendance events, and the parts the domains above sites add (the incidents around it:
sites.parts)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError
from vigil.core.forms import FormDataDep
from vigil.core.listing import MAX_PAGE, Pages
from vigil.core.pages import SignedInDep, Viewer, page_router, parse_form, redirect, render, tr
from vigil.core.pages import undo as undo_changes
from vigil.geo.forms import country_zone, map_home
from vigil.orgs import list_filter_pages
from vigil.orgs import service as orgs_service
from vigil.orgs.list_filter_pages import ListSpec
from vigil.sites import service
from vigil.sites.access import EDITOR_ROLE
from vigil.sites.forms import SiteForm, choices, contacts_from_form, event_values
from vigil.sites.parts import site_parts
from vigil.sites.schemas import EventCreate, SiteCreate, SiteFilters, SiteRead, SiteUpdate

router = page_router()

PAGE_SIZE = 50
UPCOMING_DAYS = 60
DEFAULT_RADIUS_KM = 2.0
ShortText = Annotated[str, Query(max_length=200)]
LIST = ListSpec(
    name="sites",
    path="/sites",
    filter_keys=frozenset({"type", "country", "city", "q"}),
    sorting=service.SORTING,
)


def site_point(site: SiteRead) -> dict[str, Any]:
    return {"id": site.id, "lat": site.lat, "lon": site.lon, "title": site.name,
            "url": f"/sites/{site.id}"}  # fmt: skip


@router.get("/sites")
def sites_page(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    type: Annotated[list[str], Query(max_length=20)] = [],  # noqa: A002, B006
    country: Annotated[str, Query(max_length=2)] = "",
    city: ShortText = "",
    q: ShortText = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    """Sites you may see, by name or sorted by a column, on a map and in a table, with
    filters and page numbers."""
    opened = list_filter_pages.list_state(request, session, viewer, LIST)
    if isinstance(opened, Response):
        return opened
    state, problem = opened
    error: DomainError | None = problem
    shown = {"type": type, "country": country, "city": city, "q": q}
    items: list[SiteRead] = []
    try:
        filters = parse_form(
            SiteFilters, type=type, country=country.strip() or None,
            city=city.strip() or None, q=q.strip() or None,
        )  # fmt: skip
        found = service.list_sites(
            session=session, principal=viewer.principal, filters=filters,
            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, sort=state.sort,
        )  # fmt: skip
        items = found.items
        state.pages = Pages(page, PAGE_SIZE, len(items), found.total)
    except DomainError as exc:
        error = exc
    if error is None:
        list_filter_pages.remember_state(session, viewer, LIST, state)
    context = {
        "items": items,
        "list": state,
        "filtered": bool(state.filters),
        "shown": shown,
        "choices": choices(),
        "points": [site_point(s) for s in items],
        "home_map": map_home(
            orgs_service.acting_country(session=session, principal=viewer.principal)
        ),
        "may_create": viewer.acting is not None and viewer.acting.role.at_least(EDITOR_ROLE),
        "error": error,
    }
    return render(request, "sites/list.html", context, status_code=error.status if error else 200)


list_filter_pages.add_filter_routes(router, LIST)


def _form_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    form: SiteForm,
    site: SiteRead | None = None,
    error: DomainError | None = None,
) -> Response:
    context = {
        "form": form,
        "site": site,
        "choices": choices(),
        "home_map": map_home(
            form.country or orgs_service.acting_country(session=session, principal=viewer.principal)
        ),
        "error": error,
        "may_create": viewer.acting is not None and viewer.acting.role.at_least(EDITOR_ROLE),
    }
    status = error.status if error else 200
    return render(request, "sites/form.html", context, status_code=status)


@router.get("/sites/new")
def new_site_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """The form to register a site for your organisation."""
    return _form_page(request, session, viewer, form=SiteForm())


@router.post("/sites/new")
def create_site(
    request: Request, session: SessionDep, viewer: SignedInDep, raw: FormDataDep
) -> Response:
    """Register the site and show it."""
    form = SiteForm.from_form(raw)
    try:
        data = parse_form(SiteCreate, **form.values())
        site = service.create_site(session=session, principal=viewer.principal, data=data)
    except DomainError as exc:
        undo_changes(session, exc)
        return _form_page(request, session, viewer, form=form, error=exc)
    return redirect(f"/sites/{site.id}", request, tr(request, "The site is registered."))


@router.get("/sites/{site_id:int}/edit")
def edit_site_page(
    request: Request, site_id: int, session: SessionDep, viewer: SignedInDep
) -> Response:
    """The form to change a site (analysts of its organisation)."""
    site = service.read_site(session=session, principal=viewer.principal, site_id=site_id)
    return _form_page(request, session, viewer, form=SiteForm.from_site(site), site=site)


@router.post("/sites/{site_id:int}/edit")
def edit_site(
    request: Request, site_id: int, session: SessionDep, viewer: SignedInDep, raw: FormDataDep
) -> Response:
    """Save the changes; a looser TLP needs a coordinator."""
    site = service.read_site(session=session, principal=viewer.principal, site_id=site_id)
    form = SiteForm.from_form(raw)
    try:
        data = parse_form(SiteUpdate, **form.values())
        service.update_site(session=session, principal=viewer.principal, site_id=site_id, data=data)
    except DomainError as exc:
        undo_changes(session, exc)
        return _form_page(request, session, viewer, form=form, site=site, error=exc)
    return redirect(f"/sites/{site_id}", request, tr(request, "The site is saved."))


def _detail(
    request: Request,
    session: Session,
    settings: Settings,
    viewer: Viewer,
    site_id: int,
    *,
    radius_km: float = DEFAULT_RADIUS_KM,
    error: DomainError | None = None,
    section: str = "",
    event_form: dict[str, Any] | None = None,
) -> Response:
    principal = viewer.principal
    site_row = service.get_site(session=session, principal=principal, site_id=site_id)
    site = service.site_reads(session, principal, [site_row])[0]
    now = dt.datetime.now(dt.UTC)
    contacts = None
    if service.may_see_contacts(principal, site_row):
        contacts = service.site_contacts(
            session=session, principal=principal, settings=settings, site_id=site_id
        )
    parts = site_parts(
        request, session=session, principal=principal, site=site, radius_km=radius_km, now=now
    )
    points = [site_point(site)] + [point for part in parts for point in part.points]
    context = {
        "site": site,
        "contacts": contacts,
        "contact_rows": (contacts or []) + [None] * 2,
        "upcoming": service.upcoming_events(
            session=session, site_id=site_id, now=now, days=UPCOMING_DAYS
        ),
        "upcoming_days": UPCOMING_DAYS,
        "events": service.list_events(session=session, principal=principal, site_id=site_id),
        "parts": parts,
        "radius_km": radius_km,
        "points": points,
        "shapes": [site.perimeter] if site.perimeter else [],
        "home_map": map_home(site.country),
        "can_edit": service.may_edit(principal, site_row),
        "choices": choices(),
        "event_form": event_form or {"timezone": country_zone(site.country), "recurrence": "none"},
        "error": error,
        "section": section,
    }
    status = error.status if error else 200
    return render(request, "sites/detail.html", context, status_code=status)


@router.get("/sites/{site_id:int}")
def site_page(
    request: Request,
    site_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    radius_km: Annotated[float, Query(ge=0.1, le=50, allow_inf_nan=False)] = DEFAULT_RADIUS_KM,
) -> Response:
    """One site, if it is shared with you: summary, contacts, events and incidents around it."""
    return _detail(request, session, settings, viewer, site_id, radius_km=radius_km)


@router.post("/sites/{site_id:int}/contacts")
def save_contacts(
    request: Request,
    site_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    raw: FormDataDep,
) -> Response:
    """Replace the site's contacts; the order on the form is the priority."""
    try:
        contacts = contacts_from_form(raw)
        service.set_contacts(
            session=session, principal=viewer.principal, settings=settings,
            site_id=site_id, contacts=contacts,
        )  # fmt: skip
    except DomainError as exc:
        undo_changes(session, exc)
        return _detail(request, session, settings, viewer, site_id, error=exc, section="contacts")
    message = tr(request, "The contacts are saved.")
    return redirect(f"/sites/{site_id}#contacts", request, message)


@router.post("/sites/{site_id:int}/events")
def add_event(
    request: Request,
    site_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    raw: FormDataDep,
) -> Response:
    """Add an event to the site's calendar."""
    shown = {k: v for k, v in raw.items() if isinstance(v, str)}
    try:
        data = parse_form(EventCreate, **event_values(raw))
        service.add_event(session=session, principal=viewer.principal, site_id=site_id, data=data)
    except DomainError as exc:
        undo_changes(session, exc)
        return _detail(
            request, session, settings, viewer, site_id,
            error=exc, section="events", event_form=shown,
        )  # fmt: skip
    return redirect(f"/sites/{site_id}#events", request, tr(request, "The event is added."))
