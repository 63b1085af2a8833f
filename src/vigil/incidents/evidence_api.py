"""JSON API of evidence: attach files to reports, read their details, download them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import Field

from vigil.core.deps import ClientIP, PrincipalDep, SessionDep, SettingsDep
from vigil.core.middleware import body_limit
from vigil.incidents import evidence as service
from vigil.incidents import reports as reports_service
from vigil.incidents.evidence_content import ACCEPTED
from vigil.incidents.schemas import EvidenceRead

router = APIRouter(prefix="/api/v1", tags=["incidents"])
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    413: {"description": "The file is larger than VIGIL_EVIDENCE_MAX_BYTES."},
    422: {"description": "The file's content is not an accepted type, or not what its name says."},
}


@router.post(
    "/reports/{report_id}/evidence",
    response_model=EvidenceRead,
    status_code=201,
    responses={200: {"description": "This file was already attached to the report."}, **PROBLEMS},
)
@body_limit(service.upload_body_limit)
def attach_evidence(
    report_id: Id,
    file: Annotated[
        UploadFile, File(description="An image (JPEG, PNG, WebP, HEIC), a PDF or UTF-8 text.")
    ],
    response: Response,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    ip: ClientIP,
) -> EvidenceRead:
    """Attach a file to a report (its organisation's reporters and up, or its author)."""
    attached = service.add_evidence(
        session=session,
        principal=principal,
        settings=settings,
        report_id=report_id,
        upload=file.file,
        filename=file.filename,
        ip=ip,
    )
    if not attached.is_new:
        response.status_code = 200
    return service.evidence_read(
        principal=principal, evidence=attached.evidence, report=attached.report
    )


@router.get("/reports/{report_id}/evidence", response_model=list[EvidenceRead])
def report_evidence(
    report_id: Id, session: SessionDep, principal: PrincipalDep
) -> list[EvidenceRead]:
    """The files attached to a report you may read."""
    report = reports_service.get_report(session=session, principal=principal, report_id=report_id)
    return [
        service.evidence_read(principal=principal, evidence=e, report=report)
        for e in service.report_evidence(session=session, principal=principal, report_id=report_id)
    ]


@router.get("/evidence/{evidence_id}", response_model=EvidenceRead)
def get_evidence(evidence_id: Id, session: SessionDep, principal: PrincipalDep) -> EvidenceRead:
    """Details of one file, if its report is shared with you."""
    evidence, report = service.get_evidence(
        session=session, principal=principal, evidence_id=evidence_id
    )
    return service.evidence_read(principal=principal, evidence=evidence, report=report)


@router.get(
    "/evidence/{evidence_id}/content",
    response_class=FileResponse,
    responses={200: {"content": {media_type: {} for media_type in ACCEPTED}}},
)
def download_evidence(
    evidence_id: Id,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    ip: ClientIP,
) -> FileResponse:
    """The file itself; outside the report's organisation, images come without metadata."""
    found = service.open_evidence(
        session=session, principal=principal, settings=settings, evidence_id=evidence_id, ip=ip
    )
    return FileResponse(
        found.path,
        media_type=found.media_type,
        filename=found.download_name,
        content_disposition_type="attachment",
        # X-Content-Type-Options: nosniff comes with every response (core.middleware).
        headers={"Cache-Control": "private, no-store"},
    )
