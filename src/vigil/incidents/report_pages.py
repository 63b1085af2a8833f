"""The member report form (reporters and up): an incident's fields, a place from typed words
(offline geocoding offers candidates through htmx) or from a pin on the map, and its TLP."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError
from vigil.core.forms import FormDataDep
from vigil.core.localisation import zone_of
from vigil.core.pages import (
    SignedInDep,
    Viewer,
    page_router,
    parse_form,
    redirect,
    render,
    tr,
)
from vigil.core.pages import undo as undo_changes
from vigil.core.policy import Role
from vigil.geo.forms import candidate_value, map_home
from vigil.geo.geocoding import geocode
from vigil.incidents import reports as reports_service
from vigil.incidents.forms import IncidentForm, choices
from vigil.incidents.schemas import ReportCreate
from vigil.orgs import service as orgs_service

router = page_router()

PLACE_CANDIDATES = 6
ShortQuery = Annotated[str, Query(max_length=300)]


def _report_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    form: IncidentForm | None = None,
    error: DomainError | None = None,
) -> Response:
    acting = viewer.acting
    country = orgs_service.acting_country(session=session, principal=viewer.principal)
    context = {
        # A time typed is read in the reporter's zone unless they name another.
        "form": (form or IncidentForm()).with_zone(zone_of(request)),
        "home_map": map_home(country),
        "choices": choices(),
        "error": error,
        "may_report": acting is not None and acting.role.at_least(Role.reporter),
    }
    status = error.status if error else 200
    return render(request, "incidents/report.html", context, status_code=status)


@router.get("/incidents/report")
def report_page(request: Request, session: SessionDep, viewer: SignedInDep) -> Response:
    """The form to report an incident for your organisation."""
    return _report_form(request, session, viewer)


@router.post("/incidents/report")
def submit_report(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    raw: FormDataDep,
) -> Response:
    """Save the report; it waits in the triage queue of your organisation."""
    form = IncidentForm.from_form(raw).with_zone(zone_of(request))
    try:
        data = parse_form(ReportCreate, **form.values(), contact=form.contact)
        report = reports_service.submit_report(
            session=session, principal=viewer.principal, data=data, settings=settings
        )
    except DomainError as exc:
        undo_changes(session, exc)
        return _report_form(request, session, viewer, form=form, error=exc)
    message = tr(request, "Report #%(id)s is saved and waits for triage.", id=report.id)
    coordinates = viewer.principal.has_role(report.owner_org_id, Role.coordinator)
    return redirect("/incidents/triage" if coordinates else "/incidents", request, message)


@router.get("/incidents/places")
def place_candidates(
    request: Request,
    session: SessionDep,
    viewer: SignedInDep,
    address: ShortQuery = "",
    city: ShortQuery = "",
    country: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    """Places that fit the typed address or city (offline, city-level), to choose from; with no
    country chosen, those of the organisation's country and its neighbours first."""
    query = ", ".join(part.strip() for part in (address, city) if part.strip())
    near = orgs_service.acting_country(session=session, principal=viewer.principal)
    try:
        found = (
            geocode(query, country=country or None, limit=PLACE_CANDIDATES, near=near or None)
            if query
            else []
        )
    except DomainError:
        found = []
    candidates = [
        {
            "value": candidate_value(p.lat, p.lon, p.country, p.city or ""),
            "name": p.name,
            "country_name": p.country_name,
            "admin1": p.admin1,
            "precision": p.precision,
            "lat": p.lat,
            "lon": p.lon,
        }
        for p in found
    ]
    context = {"candidates": candidates, "query": query}
    return render(request, "incidents/_place_candidates.html", context)
