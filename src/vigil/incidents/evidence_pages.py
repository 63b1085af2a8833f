"""HTML of evidence on the incident page: each readable report's files with their downloads, and
the upload form for the people the evidence service lets attach files.

The incident page loads this section with htmx; without JavaScript its link opens the section as
a page of its own, which is also where an upload that fails shows what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import File, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.deps import ClientIP, SessionDep, SettingsDep
from vigil.core.errors import DomainError, Invalid
from vigil.core.forms import whole_number
from vigil.core.middleware import body_limit
from vigil.core.pages import (
    FormStr,
    SignedInDep,
    Viewer,
    is_htmx,
    page_router,
    redirect,
    render,
    tr,
    undo,
)
from vigil.incidents import evidence as evidence_service
from vigil.incidents import reports as reports_service
from vigil.incidents import service as incidents_service
from vigil.incidents.evidence_content import ACCEPTED
from vigil.incidents.schemas import EvidenceRead

router = page_router()

KIB = 1024
MIB = 1024 * 1024
# What the file picker offers: the accepted extensions and media types.
ACCEPT = ",".join([ext for media in ACCEPTED.values() for ext in media.extensions] + list(ACCEPTED))


@dataclass(frozen=True)
class EvidenceItem:
    read: EvidenceRead
    # False for an image Vigil cannot copy without its metadata, asked for by an outsider.
    downloadable: bool
    size_amount: str
    size_unit: str  # "bytes", "KB" or "MB": the template words it


@dataclass(frozen=True)
class ReportFiles:
    report_id: int
    title: str
    items: list[EvidenceItem]
    may_attach: bool


def _size(size: int) -> tuple[str, str]:
    if size < KIB:
        return str(size), "bytes"
    if size < MIB:
        return f"{size / KIB:.1f}", "KB"
    return f"{size / MIB:.1f}", "MB"


def _report_files(session: Session, viewer: Viewer, incident_id: int) -> list[ReportFiles]:
    principal = viewer.principal
    found = []
    for report in incidents_service.incident_reports(
        session=session, principal=principal, incident_id=incident_id
    ):
        items = []
        for evidence in evidence_service.report_evidence(
            session=session, principal=principal, report_id=report.id
        ):
            read = evidence_service.evidence_read(
                principal=principal, evidence=evidence, report=report
            )
            withheld = (
                not evidence_service.sees_original(principal, report)
                and evidence.media_type.startswith("image/")
                and evidence.redacted_sha256 is None
            )
            items.append(EvidenceItem(read, not withheld, *_size(read.size)))
        title = reports_service.latest_version(session, report.id).get("title") or ""
        found.append(
            ReportFiles(
                report_id=report.id,
                title=str(title),
                items=items,
                may_attach=evidence_service.may_attach(principal, report),
            )
        )
    return found


def _evidence(
    request: Request,
    session: Session,
    settings: Settings,
    viewer: Viewer,
    incident_id: int,
    *,
    full_page: bool,
    error: DomainError | None = None,
    chosen_report: int = 0,
) -> Response:
    incident = incidents_service.get_incident(
        session=session, principal=viewer.principal, incident_id=incident_id
    )
    reports = _report_files(session, viewer, incident_id)
    context = {
        "incident": incident,
        "reports": reports,
        "attachable": [r for r in reports if r.may_attach],
        "chosen_report": chosen_report,
        "accept": ACCEPT,
        "max_mb": f"{settings.evidence_max_bytes / MIB:.0f}",
        "full_page": full_page,
        "error": error,
    }
    status = error.status if error else 200
    return render(request, "incidents/_evidence.html", context, status_code=status)


@router.get("/incidents/{incident_id:int}/evidence")
def evidence_section(
    request: Request,
    incident_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
) -> Response:
    """The incident's evidence files: a fragment for htmx, else a page of its own."""
    return _evidence(
        request, session, settings, viewer, incident_id, full_page=not is_htmx(request)
    )


@router.post("/incidents/{incident_id:int}/evidence")
@body_limit(evidence_service.upload_body_limit)
def upload_evidence(
    request: Request,
    incident_id: int,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedInDep,
    ip: ClientIP,
    file: Annotated[UploadFile | None, File()] = None,
    report_id: FormStr = "",
    back: FormStr = "",
) -> Response:
    """Attach a file to one of the incident's reports; the evidence service decides who may."""
    chosen = 0
    try:
        chosen = whole_number(report_id, field_name="report_id")
        readable = incidents_service.incident_reports(
            session=session, principal=viewer.principal, incident_id=incident_id
        )
        if chosen not in {r.id for r in readable}:
            raise Invalid("report_id", "choose one of this incident's reports")
        if file is None or not file.filename:
            raise Invalid("file", "choose a file to upload")
        attached = evidence_service.add_evidence(
            session=session,
            principal=viewer.principal,
            settings=settings,
            report_id=chosen,
            upload=file.file,
            filename=file.filename,
            ip=ip,
        )
    except DomainError as exc:
        undo(session, exc)
        return _evidence(
            request,
            session,
            settings,
            viewer,
            incident_id,
            full_page=True,
            error=exc,
            chosen_report=chosen,
        )
    name = attached.evidence.filename
    if attached.is_new:
        message = tr(request, "%(name)s is attached to report #%(id)s.", name=name, id=chosen)
    else:
        message = tr(
            request, "%(name)s was already attached to report #%(id)s.", name=name, id=chosen
        )
    page = f"/incidents/{incident_id}" + ("/evidence" if back == "evidence" else "")
    return redirect(page + "#evidence", request, message)
