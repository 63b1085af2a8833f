"""JSON API of sharing: the organisation's sharing profile, the STIX export and its preview."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from vigil.core.deps import PrincipalDep, SessionDep, SettingsDep
from vigil.core.transfer import audit_export, require_exporter
from vigil.sharing import export, groupings, service
from vigil.sharing.containers import Container
from vigil.sharing.schemas import (
    GroupingCreate,
    GroupingRead,
    SharingProfileRead,
    SharingProfileUpdate,
)

router = APIRouter(prefix="/api/v1/sharing", tags=["sharing"])

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
ContainerQuery = Annotated[
    Container | None,
    Query(
        description="`report`: also wrap each incident, its place and notes in a STIX report "
        "(the shape of a MISP event, for MISP and misp-stix)."
    ),
]


class StixResponse(JSONResponse):
    media_type = STIX_MEDIA_TYPE


@router.get("/profile", response_model=SharingProfileRead)
def get_profile(session: SessionDep, principal: PrincipalDep) -> SharingProfileRead:
    """What your organisation lets leave with its records (defaults until changed)."""
    return service.get_profile(session=session, principal=principal)


@router.put("/profile", response_model=SharingProfileRead)
def put_profile(
    data: SharingProfileUpdate, session: SessionDep, principal: PrincipalDep
) -> SharingProfileRead:
    """Replace your organisation's sharing profile (coordinators); audited."""
    return service.update_profile(session=session, principal=principal, data=data)


@router.get("/stix/bundle", response_class=StixResponse)
def stix_bundle(
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=export.MAX_BUNDLE_RECORDS)] = 1000,
    container: ContainerQuery = None,
) -> dict[str, Any]:
    """The newest incidents and notices you may read, as a STIX 2.1 bundle (analysts); never
    TLP:RED, each at its owner's sharing profile. The export is audited."""
    require_exporter(principal, "records as STIX")
    bundle = export.export_bundle(
        session=session, settings=settings, principal=principal, limit=limit, container=container
    )
    audit_export(
        session=session,
        settings=settings,
        principal=principal,
        action="sharing.export",
        target_type="stix-bundle",
        detail={"format": "stix", "limit": limit, "objects": len(bundle["objects"])},
    )
    return bundle


@router.get("/stix/incidents/{incident_id}", response_class=StixResponse)
def stix_incident_preview(
    incident_id: int,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    container: ContainerQuery = None,
) -> dict[str, Any]:
    """Exactly the STIX that would leave for one incident you may read."""
    return export.incident_preview(
        session=session,
        settings=settings,
        principal=principal,
        incident_id=incident_id,
        container=container,
    )


@router.post("/groupings", response_model=GroupingRead, status_code=201)
def create_grouping(
    data: GroupingCreate, session: SessionDep, principal: PrincipalDep
) -> GroupingRead:
    """Share a chosen set of incidents you may read as one STIX `grouping` (analysts), at a
    TLP no looser than the strictest of them (never RED); audited."""
    return groupings.create_grouping(session=session, principal=principal, data=data)
