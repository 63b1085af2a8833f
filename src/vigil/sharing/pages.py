"""HTML page of sharing: the organisation's sharing profile (a form for its coordinators, read
only for the others), the TAXII address a partner's client is given and the collections, and
the way to the STIX import; what the organisation shares with whom, in words, and the records
received from elsewhere to review."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import DomainError
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
from vigil.sharing import audience, peer_pages, received, service, taxii
from vigil.sharing.schemas import (
    ALL_TYPOLOGY_FIELDS,
    PlacePrecision,
    SharingProfileRead,
    SharingProfileUpdate,
)
from vigil.sharing.taxii_api import API_ROOT

router = page_router()
TEMPLATE = "sharing/index.html"


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    viewer: Viewer,
    *,
    form: SharingProfileRead | None = None,
    error: DomainError | None = None,
) -> Response:
    principal = viewer.principal
    profile: SharingProfileRead | None = form
    no_org: DomainError | None = None
    if profile is None:
        try:
            profile = service.get_profile(session=session, principal=principal)
        except DomainError as exc:  # several organisations and none chosen, or none at all
            no_org = exc
    collections = taxii.collections_of(session, settings, principal)
    in_words = None if no_org else audience.audience_of(session=session, principal=principal)
    acting = principal.acting_org_id
    # The configured public address; else the one this browser reached, as TAXII discovery
    # answers with.
    origin = settings.public_url if settings.base_url else str(request.base_url).rstrip("/")
    context = {
        "profile": profile,
        "no_org": no_org,
        "can_edit": profile is not None and principal.has_role(acting, Role.coordinator),
        "precisions": list(PlacePrecision),
        "typology_fields": ALL_TYPOLOGY_FIELDS,
        "discovery_url": f"{origin}/taxii2/",
        "api_root_url": f"{origin}{API_ROOT}",
        "collections": collections,
        # The collection a partner's client reads this organisation's AMBER and GREEN in.
        "own_collection": next((c for c in collections if c.org_id == acting), None),
        "error": error,
        "in_words": in_words,
        "received": received.received_records(session=session, principal=principal),
        "peer_rows": peer_pages.peer_rows(request, session, viewer),
    }
    return render(request, TEMPLATE, context, status_code=error.status if error else 200)


@router.get("/sharing")
def sharing_page(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: SignedInDep
) -> Response:
    """What your organisation lets leave with its records, and where partners read it."""
    return _page(request, session, settings, viewer)


@router.post("/sharing/profile")
def save_profile(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    place_precision: Annotated[str, Form()] = PlacePrecision.city.value,
    share_narrative: Annotated[str, Form()] = "",
    share_reports: Annotated[str, Form()] = "",
    typology_fields: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies it
) -> Response:
    """Replace the organisation's sharing profile (coordinators and org admins); audited."""
    try:
        data = parse_form(
            SharingProfileUpdate,
            share_narrative=bool(share_narrative),
            share_reports=bool(share_reports),
            place_precision=place_precision,
            typology_fields=typology_fields,
        )
        service.update_profile(session=session, principal=viewer.principal, data=data)
    except DomainError as exc:
        undo(session, exc)
        return _page(request, session, settings, viewer, error=exc)
    return redirect("/sharing", request, tr(request, "The sharing profile is saved."))
