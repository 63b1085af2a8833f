"""HTML pages of one incident: its reports, history and small map; analysts edit it there,
coordinators merge it or undo a merge.

The list of incidents is in list_pages.py, the member report form in report_pages.py, the
triage queue in triage_pages.py and the anonymous public form in public_pages.py. The domains
above incidents add parts to an incident's page (incidents.parts), such as sharing's preview of
the STIX that would leave.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.domains import parts_of
from vigil.core.errors import DomainError, Invalid, NotFound
from vigil.core.forms import FormDataDep, moment, whole_number
from vigil.core.pages import (
    SignedInDep,
    Viewer,
    page_router,
    parse_form,
    redirect,
    render,
    tr,
    undo,
)
from vigil.core.policy import Role
from vigil.geo.forms import map_home
from vigil.incidents import adoption, history, queries, received_triage, service
from vigil.incidents import reports as reports_service
from vigil.incidents.forms import IncidentForm, choices, edited_values, map_points
from vigil.incidents.parts import incident_parts
from vigil.incidents.provenance import CHANNELS, provenance_of
from vigil.incidents.schemas import IncidentUpdate
from vigil.incidents.typology import STATUS_MOVES, Status
from vigil.orgs import service as orgs_service
from vigil.sites import service as sites_service

router = page_router()


def _owner_name(session: Session, viewer: Viewer, org_id: int) -> str:
    try:
        org = orgs_service.get_organisation(session=session, principal=viewer.principal, ref=org_id)
    except NotFound:
        return ""
    return org.name


def _detail(
    request: Request,
    session: Session,
    settings: Settings,
    viewer: Viewer,
    incident_id: int,
    *,
    form: IncidentForm | None = None,
    error: DomainError | None = None,
    section: str = "",
) -> Response:
    principal = viewer.principal
    incident = service.get_incident(session=session, principal=principal, incident_id=incident_id)
    read = queries.read_incident(session=session, principal=principal, incident=incident)
    reports = reports_service.report_reads(
        session=session,
        principal=principal,
        reports=service.incident_reports(
            session=session, principal=principal, incident_id=incident_id
        ),
        settings=settings,
    )
    current = Status(read.status)
    site = None
    if read.site_id is not None:
        site = sites_service.get_site(session=session, principal=principal, site_id=read.site_id)
    context = {
        "incident": read,
        "site": site,
        # Linked to a site, or merged into an incident, that this reader may not read: the page
        # says so without naming it.
        "site_hidden": incident.site_id is not None and read.site_id is None,
        "merged_into_hidden": incident.merged_into_id is not None and read.merged_into_id is None,
        "owner_name": _owner_name(session, viewer, read.owner_org_id),
        "reports": reports,
        "report_times": {r.id: moment(r.data.get("occurred_from")) for r in reports},
        "history": history.incident_history(
            session=session, principal=principal, incident_id=incident_id
        ),
        "points": map_points([read]),
        "home_map": map_home(read.place.country),
        "can_edit": principal.has_role(read.owner_org_id, Role.analyst),
        "can_merge": principal.has_role(read.owner_org_id, Role.coordinator),
        "statuses": [current.value, *sorted(s.value for s in STATUS_MOVES[current])],
        "form": form or IncidentForm.from_incident(read),
        "choices": choices(),
        "error": error,
        "section": section,
        "parts": incident_parts(
            request, session=session, settings=settings, principal=principal, incident=read
        ),
        **_lineage(request, session, viewer, incident),
    }
    return render(
        request, "incidents/detail.html", context, status_code=error.status if error else 200
    )


def _lineage(request: Request, session: Session, viewer: Viewer, incident: Any) -> dict[str, Any]:
    """Where a received incident came from, what it was adopted from or as, the incidents
    linked to it as the same event, and whether the viewer may adopt it (DECISIONS 30)."""
    principal = viewer.principal
    origins = provenance_of(
        session=session, incidents=[incident], channels=parts_of(request, CHANNELS)
    )
    original = adoption.derived_from(session, [incident.id]).get(incident.id)
    copies = adoption.copies_of(session=session, principal=principal, incident_id=incident.id)
    return {
        "provenance": origins.get(incident.id),
        "derived_from": original,
        "derived_from_readable": original is not None
        and bool(
            service.readable_incident_ids(
                session=session, principal=principal, incident_ids=[original]
            )
        ),
        "copies": [c for c, _ in copies],
        "same_events": received_triage.same_events(
            session=session, principal=principal, incident_id=incident.id
        ),
        "may_adopt": adoption.may_adopt(session=session, principal=principal, incident=incident)
        and not any(org == principal.acting_org_id for _, org in copies),
    }


@router.get("/incidents/{incident_id:int}")
def incident_page(
    request: Request,
    incident_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
) -> Response:
    """One incident, if it is shared with you: its fields, reports, history and map."""
    return _detail(request, session, settings, viewer, incident_id)


@router.post("/incidents/{incident_id:int}/edit")
def edit_incident(
    request: Request,
    incident_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    raw: FormDataDep,
) -> Response:
    """Save an analyst's changes; status moves and a looser TLP may need a coordinator."""
    form = IncidentForm.from_form(raw)
    incident = service.get_incident(
        session=session, principal=viewer.principal, incident_id=incident_id
    )
    before = IncidentForm.from_incident(
        queries.read_incident(session=session, principal=viewer.principal, incident=incident)
    )
    try:
        values = edited_values(form, before)
        if form.status:
            values["status"] = form.status
        data = parse_form(IncidentUpdate, **values)
        service.update_incident(
            session=session, principal=viewer.principal, incident_id=incident_id, data=data
        )
    except DomainError as exc:
        undo(session, exc)
        return _detail(
            request, session, settings, viewer, incident_id, form=form, error=exc, section="edit"
        )
    return redirect(f"/incidents/{incident_id}", request, tr(request, "The incident is saved."))


@router.post("/incidents/{incident_id:int}/adopt")
def adopt_incident(
    request: Request,
    incident_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
) -> Response:
    """Make a received incident your organisation's own: a new incident, the original kept."""
    try:
        copy = adoption.adopt_incident(
            session=session, principal=viewer.principal, incident_id=incident_id
        )
    except DomainError as exc:
        undo(session, exc)
        return _detail(request, session, settings, viewer, incident_id, error=exc, section="adopt")
    message = tr(request, "Adopted as #%(id)s: edit it as your organisation's.", id=copy.id)
    return redirect(f"/incidents/{copy.id}", request, message)


@router.post("/incidents/{incident_id:int}/merge")
def merge_incident(
    request: Request,
    incident_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    target_id: Annotated[str, Form()] = "",
) -> Response:
    """Merge this incident into another (coordinators); its reports are kept."""
    try:
        target = whole_number(target_id, field_name="target_id")
        if not target:
            raise Invalid("target_id", "enter the number of the incident to merge into")
        service.merge_incidents(
            session=session, principal=viewer.principal, source_id=incident_id, target_id=target
        )
    except DomainError as exc:
        undo(session, exc)
        return _detail(request, session, settings, viewer, incident_id, error=exc, section="merge")
    message = tr(
        request, "Incident #%(id)s is merged into this one; undo it from #%(id)s.", id=incident_id
    )
    return redirect(f"/incidents/{target}", request, message)


@router.post("/incidents/{incident_id:int}/unmerge")
def unmerge_incident(
    request: Request,
    incident_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
) -> Response:
    """Undo a merge: the incident stands on its own again with its former status."""
    try:
        service.unmerge_incident(
            session=session, principal=viewer.principal, incident_id=incident_id
        )
    except DomainError as exc:
        undo(session, exc)
        return _detail(request, session, settings, viewer, incident_id, error=exc, section="merge")
    return redirect(f"/incidents/{incident_id}", request, tr(request, "The merge is undone."))
